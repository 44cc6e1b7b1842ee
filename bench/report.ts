// The output every performance benchmark shares (issue: "Performance"): one row per figure,
// beside its limit or its peer measured in the same run, printed as a markdown table and, with
// --json FILE, written as {"name": ..., "rows": [{"case", "value", "limit_or_peer", "ratio",
// "unit"}, ...]} so runs can be compared by machine.
import { writeFileSync } from 'node:fs';

export interface ReportRow {
  /** What was measured, e.g. `single logs: log-ingest`. */
  case: string;
  value: number;
  /** The limit or peer measured in the same run (null when the row is the peer itself). */
  limit_or_peer: number | null;
  /** value / limit_or_peer (null without one). For costs (lower is better) say so in `case`. */
  ratio: number | null;
  unit: string;
  /** Free text for the table only (target, what the peer is); not in the JSON. */
  note?: string;
}

export class Report {
  readonly name: string;
  readonly rows: ReportRow[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** Adds a row; the ratio is computed from the peer when there is one. */
  add(row: { case: string; value: number; peer?: number | null; unit: string; note?: string }): void {
    const peer = row.peer ?? null;
    this.rows.push({
      case: row.case,
      value: row.value,
      limit_or_peer: peer,
      ratio: peer === null || peer === 0 ? null : row.value / peer,
      unit: row.unit,
      ...(row.note === undefined ? {} : { note: row.note }),
    });
  }

  markdown(): string {
    const fmt = (x: number | null) =>
      x === null
        ? '–'
        : Math.abs(x) >= 100
          ? Math.round(x).toLocaleString('en')
          : x.toLocaleString('en', { maximumFractionDigits: 2 });
    const lines = [
      `| case | value | limit or peer | ratio | unit | note |`,
      `| --- | --- | --- | --- | --- | --- |`,
      ...this.rows.map(
        (r) =>
          `| ${r.case} | ${fmt(r.value)} | ${fmt(r.limit_or_peer)} | ${r.ratio === null ? '–' : `${r.ratio.toFixed(2)}x`} | ${r.unit} | ${r.note ?? ''} |`,
      ),
    ];
    return lines.join('\n');
  }

  /** Prints the table; writes the JSON when `jsonFile` is given. */
  emit(jsonFile: string | undefined): void {
    console.log(this.markdown());
    if (jsonFile !== undefined) {
      const rows = this.rows.map(({ note: _note, ...row }) => row);
      writeFileSync(jsonFile, `${JSON.stringify({ name: this.name, rows }, null, 2)}\n`);
    }
  }
}

/**
 * The median and the range of repeated measurements (e.g. the ratio of each interleaved pair
 * of runs): the median is the figure, min–max how far single runs strayed from it.
 */
export function spread(values: readonly number[]): { median: number; min: number; max: number } {
  if (values.length === 0) throw new Error('spread() of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}
