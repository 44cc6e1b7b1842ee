// `<System>_predictions.csv`: LineId,EventTemplate for every line, so that anyone can score
// the run with their own evaluator. Quoted as RFC 4180 says (and as the LogHub CSVs are).

/** A field quoted when it holds a comma, a double quote or a line break; inner quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function predictionsCsv(rows: ReadonlyArray<{ lineId: number; template: string }>): string {
  let text = 'LineId,EventTemplate\n';
  for (const row of rows) text += `${row.lineId},${csvField(row.template)}\n`;
  return text;
}
