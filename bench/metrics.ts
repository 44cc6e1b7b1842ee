// The four template-accuracy metrics of LogHub-2k's README (GA, PA, FGA, FTA), on plain
// arrays so that they can be tested on hand-made data. Ground-truth groups are keyed by
// template text, not EventId (Linux has three ids with one template); template strings are
// compared exactly, with no normalisation on either side, as the README defines them.

/** What a parser gave one line: the group it put it in and the template text it output. */
export interface ParsedLine {
  /** Lines with equal keys form one parsed group (the service: one template id). */
  group: string;
  template: string;
}

export interface Accuracy {
  /** Grouping accuracy: share of lines whose parsed group is exactly their ground-truth group. */
  GA: number;
  /** Parsing accuracy: share of lines whose template equals their ground-truth template. */
  PA: number;
  /** F1 over templates of "the parsed group's lines are exactly a ground-truth group's". */
  FGA: number;
  /** F1 over templates of "correct group and the ground-truth template text". */
  FTA: number;
  /** N_g: distinct ground-truth templates. */
  truthTemplates: number;
  /** N_p: parsed groups. */
  parsedGroups: number;
  /** N_c: parsed groups equal to some ground-truth group. */
  correctGroups: number;
  /** Parsed groups that are correct and carry the ground-truth text. */
  correctTemplates: number;
}

/** `truth[k]` is line k's ground-truth template, `parsed[k]` what the parser gave it. */
export function accuracy(truth: readonly string[], parsed: readonly ParsedLine[]): Accuracy {
  if (truth.length !== parsed.length) {
    throw new Error(`${truth.length} ground-truth lines but ${parsed.length} parsed lines`);
  }
  const lines = truth.length;
  const truthSize = new Map<string, number>();
  /** Parsed group -> ground-truth template -> lines in both. */
  const overlap = new Map<string, Map<string, number>>();
  /** Parsed groups in which some line's template text differs from its ground truth. */
  const wrongText = new Set<string>();
  let parsedRight = 0;
  for (let k = 0; k < lines; k++) {
    const want = truth[k] as string;
    const got = parsed[k] as ParsedLine;
    truthSize.set(want, (truthSize.get(want) ?? 0) + 1);
    let row = overlap.get(got.group);
    if (row === undefined) overlap.set(got.group, (row = new Map<string, number>()));
    row.set(want, (row.get(want) ?? 0) + 1);
    if (got.template === want) parsedRight++;
    else wrongText.add(got.group);
  }

  // A parsed group is correct when it holds lines of one ground-truth template only, and all of them.
  let groupedRight = 0;
  let correctGroups = 0;
  let correctTemplates = 0;
  for (const [group, row] of overlap) {
    if (row.size !== 1) continue;
    const [want, size] = row.entries().next().value as [string, number];
    if (truthSize.get(want) !== size) continue;
    groupedRight += size;
    correctGroups++;
    if (!wrongText.has(group)) correctTemplates++;
  }

  const truthTemplates = truthSize.size;
  const parsedGroups = overlap.size;
  return {
    GA: lines === 0 ? 0 : groupedRight / lines,
    PA: lines === 0 ? 0 : parsedRight / lines,
    FGA: f1(correctGroups, parsedGroups, truthTemplates),
    FTA: f1(correctTemplates, parsedGroups, truthTemplates),
    truthTemplates,
    parsedGroups,
    correctGroups,
    correctTemplates,
  };
}

/** F1 of precision correct/predicted and recall correct/expected; 0 when nothing is correct. */
export function f1(correct: number, predicted: number, expected: number): number {
  if (correct === 0 || predicted === 0 || expected === 0) return 0;
  const precision = correct / predicted;
  const recall = correct / expected;
  return (2 * precision * recall) / (precision + recall);
}
