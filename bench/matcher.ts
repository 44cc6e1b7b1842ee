// Lines/s of the matcher alone (issue "Performance", points 3 and 5): tokenising, matching
// and extracting the variables of raw messages, as `MatcherSnapshot.match(org, message)` does
// on the service's hot path, with 10, 100, 1,000 and 10,000 templates in one org; beside
// Drain3 matching the same messages against as many clusters, in the same run.
//
// Templates are LogHub-2k's ground truth, multiplied by varying their literal tokens. The
// measured messages are lines made from them with fresh variable values (a template drawn at
// random for each line); both sides get the same list. Drain3 (bench/peers/drain3_match_runner.py)
// times only its match loop, in a Python child process started after our measurements.
//
// With --baseline, another tree's matcher (its src/match/index.ts, e.g. a `git worktree` of
// main) is measured in the same run, rounds alternating between the two: before/after figures
// from one run. Times are CPU time (process.cpuUsage), so that other work on a shared machine
// slows the figures less than it would wall-clock ones.
//
//   npm run bench:matcher [-- --json FILE] [--quick] [--no-peer] [--baseline PATH/src/match/index.ts]
//                         [--reference PATH/src/match/index.ts]
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as ours from '../src/match/index.ts';
import { rebuildsRunning } from '../src/match/rebuild.ts';
import type { Template } from '../src/model/template.ts';
import { DRAIN3_VERSION, ensureDrain3, runPython } from './accuracy/peer-drain3.ts';
import { flat, int, lineOf, ORG, templates, texts } from './matcher-data.ts';
import { Report } from './report.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    // A short run for development: fewer lines and rounds, figures not for the docs.
    quick: { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    // A second tree for the swap rows: the persistent trie alone (main at 9c25736), the
    // reference of issue 19's "hot swap cost per change unchanged or better".
    reference: { type: 'string' },
  },
});

/** What the bench uses of a matcher, ours or the baseline's. */
interface MatchSnapshot {
  readonly size: number;
  match(org: string, message: string): { templateId: number; variables: string[] } | undefined;
  withChanges(upserts: readonly Template[]): MatchSnapshot;
}
interface Implementation {
  name: string;
  empty: () => MatchSnapshot;
  lastMatchSteps: () => number;
}
const implementations: Implementation[] = [
  { name: 'log-ingest', empty: () => ours.MatcherSnapshot.empty(), lastMatchSteps: ours.lastMatchSteps },
];
async function load(name: string, path: string): Promise<Implementation> {
  const other = (await import(resolve(path))) as {
    MatcherSnapshot: { empty(): MatchSnapshot };
    lastMatchSteps(): number;
  };
  return { name, empty: () => other.MatcherSnapshot.empty(), lastMatchSteps: () => other.lastMatchSteps() };
}
if (args.baseline !== undefined) implementations.push(await load('baseline', args.baseline));
if (args.reference !== undefined) implementations.push(await load('reference', args.reference));
const baselineAt = implementations.findIndex((implementation) => implementation.name === 'baseline');
const referenceAt = implementations.findIndex((implementation) => implementation.name === 'reference');

const SIZES = [10, 100, 1_000, 10_000];
const LINES = args.quick ? 5_000 : 20_000;
/** Rounds over all LINES per size: warm-up first, then measured (median reported). */
const WARMUP_ROUNDS = args.quick ? 1 : 3;
const ROUNDS = args.quick ? 3 : 15;
const PEER_ROUNDS = args.quick ? { match: 1, params: 1 } : { match: 5, params: 3 };

interface Measured {
  snapshot: MatchSnapshot;
  buildMs: number;
  samples: number[];
  fixedSamples: number[];
}

interface Case {
  size: number;
  /** Lines of templates drawn at random among the size's templates, and their template index. */
  lines: string[];
  expected: number[];
  /** One per implementation, in the order of `implementations`. */
  runs: Measured[];
}

// The process's CPU time: the thread's own (process.threadCpuUsage) counts in scheduler
// ticks here, a millisecond or more, too coarse for a swap or a short round.
const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/**
 * The match loop, compiled once per implementation: a loop shared by both would see two kinds
 * of snapshot at its call site and optimise for the mix, not for either.
 */
const linesPerSecond = implementations.map(
  () =>
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function(
      'snapshot',
      'lines',
      'org',
      'cpuSeconds',
      `let sink = 0;
      const start = cpuSeconds();
      for (const line of lines) {
        const result = snapshot.match(org, line);
        if (result !== undefined) sink += result.templateId + result.variables.length;
      }
      const seconds = cpuSeconds() - start;
      if (sink === -1) console.log(sink);
      return lines.length / seconds;`,
    ) as (snapshot: MatchSnapshot, lines: readonly string[], org: string, cpu: () => number) => number,
);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

function build(implementation: Implementation, size: number): Measured {
  const start = cpuSeconds();
  const snapshot = implementation.empty().withChanges(templates.slice(0, size));
  // The first line builds an org's trie when withChanges has not (small orgs).
  snapshot.match(ORG, 'x');
  return { snapshot, buildMs: (cpuSeconds() - start) * 1e3, samples: [], fixedSamples: [] };
}

const cases: Case[] = SIZES.map((size) => {
  const expected = Array.from({ length: LINES }, () => int(size));
  const lines = flat(expected.map((k) => lineOf(texts[k] ?? '')));
  return {
    size,
    lines,
    expected,
    runs: implementations.map((implementation) => build(implementation, size)),
  };
});
// The same lines at every size (all of template #1): their cost must not depend on the size.
const fixedLines = flat(Array.from({ length: 2_000 }, () => lineOf(texts[0] ?? '')));

// Sizes and implementations are measured in interleaved rounds (the implementations' order
// alternating) so that JIT warm-up, GC and the machine's other work land on all alike.
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const c of cases) {
    const order = implementations.map((_, k) => (round % 2 === 0 ? k : implementations.length - 1 - k));
    for (const k of order) {
      const run = c.runs[k];
      const measure = linesPerSecond[k];
      if (run === undefined || measure === undefined) continue;
      const lps = measure(run.snapshot, c.lines, ORG, cpuSeconds);
      const fixed = measure(run.snapshot, fixedLines, ORG, cpuSeconds);
      if (round < WARMUP_ROUNDS) continue;
      run.samples.push(lps);
      run.fixedSamples.push(fixed);
    }
  }
}

interface PeerCase {
  n: number;
  clusters: number;
  match_hits: number;
  match_right: number;
  params_hits: number;
  match: { lines_per_s: number; samples: number[] };
  params: { lines_per_s: number; samples: number[] };
}

async function runPeer(): Promise<PeerCase[]> {
  const python = ensureDrain3();
  const runner = join(resolve(import.meta.dirname), 'peers', 'drain3_match_runner.py');
  const job = JSON.stringify({
    rounds: PEER_ROUNDS,
    cases: cases.map((c) => ({
      n: c.size,
      templates: texts.slice(0, c.size),
      lines: c.lines,
      expected: c.expected,
    })),
  });
  const output = await runPython(python, runner, job);
  const parsed = JSON.parse(output) as { version: string; cases: PeerCase[] };
  if (parsed.version !== DRAIN3_VERSION)
    throw new Error(`drain3 ${parsed.version}, ${DRAIN3_VERSION} wanted`);
  for (const [k, peer] of parsed.cases.entries()) {
    if (peer.n !== SIZES[k]) throw new Error(`drain3 runner: case ${k} is n=${peer.n}`);
    if (peer.clusters !== peer.n) throw new Error(`drain3 holds ${peer.clusters} clusters at n=${peer.n}`);
  }
  return parsed.cases;
}

const peers = args['no-peer'] ? undefined : await runPeer();

const report = new Report('matcher');
const lpsOf = (k: number): number[] => cases.map((c) => median(c.runs[k]?.samples ?? []));
const lps = lpsOf(0);
const baseline = baselineAt > 0 ? lpsOf(baselineAt) : undefined;
for (const [k, c] of cases.entries()) {
  report.add({
    case: `log-ingest lines/s at ${c.size.toLocaleString('en')} templates`,
    value: lps[k] ?? NaN,
    peer: peers?.[k]?.match.lines_per_s ?? null,
    unit: 'lines/s',
    note: `peer: Drain3 ${DRAIN3_VERSION} match() at ${c.size.toLocaleString('en')} clusters; target ≥ 15x`,
  });
}
for (const [k, c] of cases.entries()) {
  report.add({
    case: `log-ingest lines/s at ${c.size.toLocaleString('en')} templates vs Drain3 match + extract_parameters`,
    value: lps[k] ?? NaN,
    peer: peers?.[k]?.params.lines_per_s ?? null,
    unit: 'lines/s',
    note: 'peer: Drain3 match() then extract_parameters(cluster.get_template(), line)',
  });
}
if (baseline !== undefined) {
  for (const [k, c] of cases.entries()) {
    report.add({
      case: `log-ingest lines/s at ${c.size.toLocaleString('en')} templates vs baseline`,
      value: lps[k] ?? NaN,
      peer: baseline[k] ?? NaN,
      unit: 'lines/s',
      note: `peer: ${args.baseline ?? ''}, same run`,
    });
  }
}
const slowdown = (figures: readonly number[]): number =>
  (figures[SIZES.indexOf(10)] ?? NaN) / (figures[SIZES.indexOf(10_000)] ?? NaN);
report.add({
  case: '10,000 vs 10 templates slowdown (lower is better)',
  value: slowdown(lps),
  peer: 2,
  unit: 'x',
  note: 'lines/s at 10 / lines/s at 10,000; limit ≤ 2',
});
if (baseline !== undefined) {
  report.add({
    case: 'baseline: 10,000 vs 10 templates slowdown',
    value: slowdown(baseline),
    peer: 2,
    unit: 'x',
    note: 'the same for the baseline, same run',
  });
}
report.add({
  case: 'lines/s at 1,000 templates vs target',
  value: lps[SIZES.indexOf(1_000)] ?? NaN,
  peer: 1_500_000,
  unit: 'lines/s',
  note: 'target ≥ 1,500,000 with variables extracted',
});

// Swapping in one change at 10,000 templates, chained as the service applies them, one change
// per turn of the event loop (as changes arrive from the templates channel): enough changes
// that the figures include a rebuild of the base, which runs in slices between the turns
// (rebuild.ts) or, in a matcher that rebuilds at once, inside one change. The mean is all CPU
// from the first change to the end of the last rebuild over the changes; the worst turn is
// the most CPU between two turns of the chain (one change and whatever ran beside it, e.g. a
// slice): the longest the event loop was held, which matching requests would wait out.
const SWAPS = args.quick ? 300 : 3_000;
interface SwapCost {
  median: number;
  mean: number;
  max: number;
  worstTurn: number;
  /** The same less the GC pauses that fell in each turn. */
  worstTurnLessGc: number;
}
const nextTurn = (): Promise<void> => new Promise((done) => setImmediate(done));
// The main thread's GC pauses (start and end, ms), to tell a turn held by the matcher from a
// turn held by a collection: the heap of this bench (three matchers of 10,000 templates and
// their lines) has major collections of 10-20 ms that fall on any implementation's turns.
const gcPauses: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push([entry.startTime, entry.startTime + entry.duration]);
}).observe({ entryTypes: ['gc'] });
const gcWithin = (from: number, to: number): number =>
  gcPauses.reduce((sum, [start, end]) => sum + Math.max(0, Math.min(end, to) - Math.max(start, from)), 0);

async function swapCost(start: MatchSnapshot, change: (k: number) => Template): Promise<SwapCost> {
  const samples: number[] = [];
  let current = start;
  current.match(ORG, 'x');
  while (rebuildsRunning() > 0) await nextTurn();
  await nextTurn();
  // Each turn: its start and end (wall ms) and its CPU µs.
  const turns: Array<[number, number, number]> = [];
  const first = cpuSeconds();
  let turnCpu = first;
  let turnWall = performance.now();
  const endTurn = (): void => {
    const cpu = cpuSeconds();
    const wall = performance.now();
    turns.push([turnWall, wall, (cpu - turnCpu) * 1e6]);
    turnCpu = cpu;
    turnWall = wall;
  };
  for (let k = 0; k < SWAPS; k++) {
    const template = change(k);
    const before = cpuSeconds();
    current = current.withChanges([template]);
    samples.push((cpuSeconds() - before) * 1e6);
    await nextTurn();
    endTurn();
  }
  while (rebuildsRunning() > 0) {
    await nextTurn();
    endTurn();
  }
  const total = (cpuSeconds() - first) * 1e6;
  // The observer hears of the last pauses a turn later.
  await new Promise((done) => setTimeout(done, 10));
  samples.sort((a, b) => a - b);
  return {
    median: samples[Math.floor(samples.length / 2)] ?? NaN,
    mean: total / SWAPS,
    max: samples[samples.length - 1] ?? NaN,
    worstTurn: Math.max(...turns.map(([, , cpu]) => cpu)),
    worstTurnLessGc: Math.max(...turns.map(([from, to, cpu]) => cpu - gcWithin(from, to) * 1e3)),
  };
}
// Two rounds, the implementations' order reversed in the second (the first chain of a run pays
// for collecting what the match rounds left): the mean of the two, the worse turn of the two.
const SWAP_ROUNDS = args.quick ? 1 : 2;
const swapRounds: Array<Array<{ replace: SwapCost; add: SwapCost }>> = implementations.map(() => []);
for (let round = 0; round < SWAP_ROUNDS; round++) {
  const order = [...implementations.keys()];
  if (round % 2 === 1) order.reverse();
  for (const k of order) {
    const largest = cases[cases.length - 1]?.runs[k]?.snapshot;
    if (largest === undefined) throw new Error('no snapshot at 10,000 templates');
    const replace = await swapCost(largest, (j) => {
      const template = templates[(j * 37) % templates.length] ?? templates[0];
      if (template === undefined) throw new Error('no template');
      return { ...template, text: `${template.text} v${j}` };
    });
    const add = await swapCost(largest, (j) => ({
      ...(templates[0] as Template),
      id: 100_000 + j,
      text: `brand new template ${j} <*>`,
    }));
    swapRounds[k]?.push({ replace, add });
  }
}
const combined = (costs: readonly SwapCost[]): SwapCost => ({
  median: costs.reduce((sum, c) => sum + c.median, 0) / costs.length,
  mean: costs.reduce((sum, c) => sum + c.mean, 0) / costs.length,
  max: Math.max(...costs.map((c) => c.max)),
  worstTurn: Math.max(...costs.map((c) => c.worstTurn)),
  worstTurnLessGc: Math.max(...costs.map((c) => c.worstTurnLessGc)),
});
const swaps = swapRounds.map((rounds) => ({
  replace: combined(rounds.map((r) => r.replace)),
  add: combined(rounds.map((r) => r.add)),
}));
for (const kind of ['replace', 'add'] as const) {
  const what = kind === 'replace' ? 'new text for an existing id' : 'new template';
  report.add({
    case: `swap at 10,000 templates, ${what}: mean µs per change (lower is better)`,
    value: swaps[0]?.[kind].mean ?? NaN,
    peer: swaps[baselineAt]?.[kind].mean ?? null,
    unit: 'µs',
    note: `${SWAPS.toLocaleString('en')} changes chained, a turn of the event loop between; rebuilds included; peer: baseline, same run; limit: no more than it`,
  });
  report.add({
    case: `swap at 10,000 templates, ${what}: worst event-loop turn, µs (lower is better)`,
    value: swaps[0]?.[kind].worstTurn ?? NaN,
    peer: swaps[baselineAt]?.[kind].worstTurn ?? null,
    unit: 'µs',
    note: 'the most CPU between two turns of the chain (a change and what ran beside it); peer: baseline, same run',
  });
  report.add({
    case: `swap at 10,000 templates, ${what}: worst event-loop turn less GC pauses, µs (lower is better)`,
    value: swaps[0]?.[kind].worstTurnLessGc ?? NaN,
    peer: swaps[baselineAt]?.[kind].worstTurnLessGc ?? null,
    unit: 'µs',
    note: 'the same, less the GC pauses in each turn (PerformanceObserver); peer: baseline, same run',
  });
  if (referenceAt > 0) {
    report.add({
      case: `swap at 10,000 templates, ${what}: mean µs per change vs the persistent trie`,
      value: swaps[0]?.[kind].mean ?? NaN,
      peer: swaps[referenceAt]?.[kind].mean ?? null,
      unit: 'µs',
      note: `peer: ${args.reference ?? ''}, same run; limit: no more than it`,
    });
    report.add({
      case: `swap at 10,000 templates, ${what}: worst event-loop turn vs the persistent trie, µs`,
      value: swaps[0]?.[kind].worstTurn ?? NaN,
      peer: swaps[referenceAt]?.[kind].worstTurn ?? null,
      unit: 'µs',
      note: `peer: ${args.reference ?? ''}, same run`,
    });
    report.add({
      case: `swap at 10,000 templates, ${what}: worst turn less GC pauses vs the persistent trie, µs`,
      value: swaps[0]?.[kind].worstTurnLessGc ?? NaN,
      peer: swaps[referenceAt]?.[kind].worstTurnLessGc ?? null,
      unit: 'µs',
      note: `peer: ${args.reference ?? ''}, same run`,
    });
  }
}

// Heap per template: the templates and their index at 10,000 templates, after a full GC.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapPerTemplate = implementations.map((implementation) => {
  gc();
  const before = process.memoryUsage().heapUsed;
  const snapshot = implementation.empty().withChanges(templates);
  snapshot.match(ORG, 'x');
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / templates.length;
  if (snapshot.size !== templates.length) throw new Error('snapshot lost templates');
  return bytes;
});
report.add({
  case: 'heap per template at 10,000 templates, index included (lower is better)',
  value: heapPerTemplate[0] ?? NaN,
  peer: heapPerTemplate[baselineAt] ?? null,
  unit: 'bytes',
  note: 'peer: baseline, same run; limit: no more than it',
});
report.emit(args.json);

console.log('');
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;
for (const [i, implementation] of implementations.entries()) {
  console.log(
    `Details, ${implementation.name} (${LINES.toLocaleString('en')} lines per size; median of ${ROUNDS} rounds after ` +
      `${WARMUP_ROUNDS} of warm-up; Drain3: median of ${PEER_ROUNDS.match} (match) and ${PEER_ROUNDS.params} ` +
      `(match + parameters) rounds after one):`,
  );
  console.log(
    '| templates | ns/line | matched (own template) | trie nodes visited per line | template #1 lines, ns/line | build, ms | Drain3 match() lines/s | Drain3 match + extract_parameters lines/s | Drain3 matched (right cluster) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [k, c] of cases.entries()) {
    const run = c.runs[i];
    if (run === undefined) continue;
    let steps = 0;
    let matched = 0;
    let own = 0;
    for (const [j, line] of c.lines.entries()) {
      const result = run.snapshot.match(ORG, line);
      steps += implementation.lastMatchSteps();
      if (result === undefined) continue;
      matched++;
      if (result.templateId === (c.expected[j] ?? 0) + 1) own++;
    }
    const peer = peers?.[k];
    const fmt = (x: number | undefined): string =>
      x === undefined ? 'n/a' : Math.round(x).toLocaleString('en');
    console.log(
      `| ${c.size.toLocaleString('en')} | ${(1e9 / median(run.samples)).toFixed(0)} | ${pct(matched, LINES)} (${pct(own, LINES)}) | ` +
        `${(steps / LINES).toFixed(1)} | ${(1e9 / median(run.fixedSamples)).toFixed(0)} | ${run.buildMs.toFixed(1)} | ` +
        `${fmt(peer?.match.lines_per_s)} | ${fmt(peer?.params.lines_per_s)} | ` +
        `${peer === undefined ? 'n/a' : `${pct(peer.match_hits, LINES)} (${pct(peer.match_right, LINES)})`} |`,
    );
  }
  console.log('');
}

console.log(
  `One change swapped in at 10,000 templates (${SWAPS.toLocaleString('en')} chained, a turn between, CPU µs; ${SWAP_ROUNDS} rounds, order reversed in the second: mean of the means, worst of the worst):`,
);
console.log(
  '| implementation | change | median | mean (rebuilds included) | max of a change | worst turn | worst turn less GC |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [i, implementation] of implementations.entries()) {
  for (const kind of ['replace', 'add'] as const) {
    const cost = swaps[i]?.[kind];
    if (cost === undefined) continue;
    const what = kind === 'replace' ? 'new text for an existing id' : 'new template';
    console.log(
      `| ${implementation.name} | ${what} | ${cost.median.toFixed(1)} | ${cost.mean.toFixed(1)} | ${cost.max.toFixed(0)} | ${cost.worstTurn.toFixed(0)} | ${cost.worstTurnLessGc.toFixed(0)} |`,
    );
  }
}
console.log('');
console.log(
  `Heap per template at 10,000 templates: ${implementations
    .map((implementation, i) => `${implementation.name} ${Math.round(heapPerTemplate[i] ?? NaN)} bytes`)
    .join(', ')}`,
);
