// Accuracy of the built-in miner on LogHub-2k, through the service's own loop: each line
// is matched with the current snapshot; an unmatched line goes to the miner and the
// template it returns is applied to the snapshot. A line's final template is the current
// text of the template id it was given. GA and PA as defined in LogHub-2k's README.
import { TemplateMiner, type MinerOptions } from '../src/generate/builtin/index.ts';
import { MatcherSnapshot } from '../src/match/index.ts';
import type { Template } from '../src/model/template.ts';
import { DRAIN3 } from './accuracy/published.ts';
import { DATASETS, LOGHUB_DIR, loghubAvailable, readDataset, type LabelledLine } from './loghub.ts';

export interface Score {
  ga: number;
  pa: number;
  templates: number;
  /** Lines their own mined template (alone in a snapshot) did not match: must be 0. */
  contractBroken: number;
  linesPerSecond: number;
}

export function score(lines: readonly LabelledLine[], options: MinerOptions = {}): Score {
  const org = 'bench';
  const miner = new TemplateMiner(options);
  let snapshot = MatcherSnapshot.empty();
  const assigned: number[] = [];
  let contractBroken = 0;
  const start = process.hrtime.bigint();
  for (const line of lines) {
    const matched = snapshot.match(org, line.content);
    if (matched !== undefined) {
      assigned.push(matched.templateId);
      continue;
    }
    const mined = miner.add(org, line.content);
    const template: Template = {
      id: mined.id,
      org,
      text: mined.text,
      source: 'builtin',
      createdAt: 0,
      updatedAt: 0,
    };
    snapshot = snapshot.withChanges([template]);
    // The contract with the matcher: the template the miner returns matches its line, alone.
    if (MatcherSnapshot.empty().withChanges([template]).match(org, line.content) === undefined)
      contractBroken++;
    assigned.push(mined.id);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const finalText = (id: number): string => snapshot.get(org, id)?.text ?? '';

  const truthGroups = groupSizes(lines.map((line) => line.template));
  const predictedGroups = groupSizes(assigned.map(String));
  const pairs = groupSizes(lines.map((line, k) => `${line.template}\u0000${assigned[k]}`));
  let grouped = 0;
  let parsed = 0;
  lines.forEach((line, k) => {
    const id = assigned[k] ?? 0;
    const pairSize = pairs.get(`${line.template}\u0000${id}`) ?? 0;
    if (pairSize === truthGroups.get(line.template) && pairSize === predictedGroups.get(String(id)))
      grouped++;
    if (finalText(id) === line.template) parsed++;
  });
  return {
    ga: grouped / lines.length,
    pa: parsed / lines.length,
    templates: snapshot.countFor(org),
    contractBroken,
    linesPerSecond: lines.length / seconds,
  };
}

/**
 * The generator path: every line straight into the miner, no matching first. The final
 * template of each cluster must still match every line that went into it.
 */
export function linesMissedByFinalTemplate(
  lines: readonly LabelledLine[],
  options: MinerOptions = {},
): number {
  const org = 'bench';
  const miner = new TemplateMiner(options);
  const assigned = lines.map((line) => miner.add(org, line.content));
  const finalText = new Map(assigned.map((mined) => [mined.id, mined.text]));
  const snapshots = new Map<number, MatcherSnapshot>();
  let missed = 0;
  lines.forEach((line, k) => {
    const id = assigned[k]?.id ?? 0;
    let snapshot = snapshots.get(id);
    if (snapshot === undefined) {
      const text = finalText.get(id) ?? '';
      snapshot = MatcherSnapshot.empty().withChanges([
        { id, org, text, source: 'builtin', createdAt: 0, updatedAt: 0 },
      ]);
      snapshots.set(id, snapshot);
    }
    if (snapshot.match(org, line.content) === undefined) missed++;
  });
  return missed;
}

function groupSizes(keys: readonly string[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const key of keys) sizes.set(key, (sizes.get(key) ?? 0) + 1);
  return sizes;
}

function report(options: MinerOptions): void {
  console.log(
    '| dataset | GA | PA | Drain3 GA | Drain3 PA | templates (truth) | contract broken (own / final) | lines/s |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  let ga = 0;
  let pa = 0;
  let drainGa = 0;
  let drainPa = 0;
  for (const name of DATASETS) {
    const lines = readDataset(name);
    const result = score(lines, options);
    const published = DRAIN3[name];
    const drain = { ga: published?.GA ?? 0, pa: published?.PA ?? 0 };
    const truth = new Set(lines.map((line) => line.template)).size;
    const finalMissed = linesMissedByFinalTemplate(lines, options);
    ga += result.ga;
    pa += result.pa;
    drainGa += drain.ga;
    drainPa += drain.pa;
    console.log(
      `| ${name} | ${result.ga.toFixed(3)} | ${result.pa.toFixed(3)} | ${drain.ga.toFixed(3)} | ${drain.pa.toFixed(3)} | ` +
        `${result.templates} (${truth}) | ${result.contractBroken} / ${finalMissed} | ${Math.round(result.linesPerSecond).toLocaleString('en')} |`,
    );
  }
  const n = DATASETS.length;
  console.log(
    `| average (12) | **${(ga / n).toFixed(3)}** | **${(pa / n).toFixed(3)}** | ${(drainGa / n).toFixed(3)} | ${(drainPa / n).toFixed(3)} | | | |`,
  );
}

if (import.meta.main) {
  if (!loghubAvailable()) {
    console.error(`LogHub-2k not found at ${LOGHUB_DIR}; set LOGHUB_DIR`);
    process.exit(2);
  }
  const similarity = process.env['MINER_SIMILARITY'];
  report(similarity === undefined ? {} : { similarity: Number(similarity) });
}
