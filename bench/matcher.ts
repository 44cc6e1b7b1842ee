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
//   npm run bench:matcher [-- --json FILE] [--quick] [--no-peer]
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { lastMatchSteps, MatcherSnapshot, tokenize } from '../src/match/index.ts';
import type { Template } from '../src/model/template.ts';
import { DRAIN3_VERSION, ensureDrain3, runPython } from './accuracy/peer-drain3.ts';
import { DATASETS, LOGHUB_DIR, loghubAvailable, readTemplates } from './loghub.ts';
import { Report } from './report.ts';

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    // A short run for development: fewer lines and rounds, figures not for the docs.
    quick: { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
  },
});

if (!loghubAvailable()) {
  console.error(`LogHub-2k not found at ${LOGHUB_DIR}; set LOGHUB_DIR`);
  process.exit(2);
}

const ORG = 'acme';
const SIZES = [10, 100, 1_000, 10_000];
const WILDCARD = '<*>';
const LINES = args.quick ? 5_000 : 20_000;
/** Rounds over all LINES per size: warm-up first, then measured (median reported). */
const WARMUP_ROUNDS = args.quick ? 1 : 3;
const ROUNDS = args.quick ? 3 : 15;
const PEER_ROUNDS = args.quick ? { match: 1, params: 1 } : { match: 5, params: 3 };

// mulberry32: a small seeded generator, so every run measures the same templates and lines.
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const int = (below: number): number => Math.floor(random() * below);
const digits = (count: number): string =>
  String(1 + int(9)) + Array.from({ length: count - 1 }, () => String(int(10))).join('');

/** The token sequence Drain3 sees: a token holding a `<*>` is one wildcard to it. */
const drainForm = (text: string): string =>
  tokenize(text)
    .map((token) => (token.includes(WILDCARD) ? WILDCARD : token))
    .join(' ');

const base = [...new Set(DATASETS.flatMap((name) => readTemplates(name)))].filter((text) =>
  /[A-Za-z]{3}/.test(text),
);
for (let k = base.length - 1; k > 0; k--) {
  const j = int(k + 1);
  [base[k], base[j]] = [base[j] ?? '', base[k] ?? ''];
}

/** Variant v of a template: one of its literal words gets a suffix, so texts differ all over the trie. */
function variant(text: string, v: number): string {
  if (v === 0) return text;
  const tokens = text.split(' ');
  const literal = tokens.flatMap((token, k) => (/^[A-Za-z]+$/.test(token) ? [k] : []));
  const at = literal[v % Math.max(1, literal.length)] ?? 0;
  tokens[at] = `${tokens[at] ?? ''}${String.fromCharCode(97 + (v % 26))}${Math.floor(v / 26)}`;
  return tokens.join(' ');
}

// Texts that would be one template to Drain3 (`blk_<*> x` and `<*> x`) are kept once, so
// that both sides hold exactly N distinct templates.
const texts: string[] = [];
const seen = new Set<string>();
for (let v = 0; texts.length < 10_000; v++) {
  for (const text of base) {
    const next = variant(text, v);
    if (texts.length === 10_000 || seen.has(drainForm(next))) continue;
    seen.add(drainForm(next));
    texts.push(next);
  }
}
const templates: Template[] = texts.map((text, k) => ({
  id: k + 1,
  org: ORG,
  text,
  source: 'builtin',
  createdAt: 0,
  updatedAt: 0,
}));

const USERS = ['root', 'admin', 'hdfs', 'yarn', 'guest', 'oracle', 'www-data', 'nobody'];
/** Fresh variable values of the kinds LogHub's variables have. */
const valueKinds: Array<() => string> = [
  () => String(int(100_000)),
  () => `${1 + int(254)}.${int(256)}.${int(256)}.${1 + int(254)}:${1024 + int(60_000)}`,
  () => `blk_${random() < 0.5 ? '-' : ''}${digits(19)}`,
  () => USERS[int(USERS.length)] ?? 'root',
  () => `0x${int(0x1000000).toString(16)}`,
  () => `job_${digits(13)}_${String(int(10_000)).padStart(4, '0')}`,
];
function lineOf(text: string): string {
  return text.replaceAll(WILDCARD, () => valueKinds[int(valueKinds.length)]?.() ?? '');
}
/**
 * The lines as the service gets them, out of JSON.parse: flat strings. (replaceAll builds
 * cons strings, whose every character read goes through an indirection: 10-20% slower.)
 */
const flat = (lines: string[]): string[] => JSON.parse(JSON.stringify(lines)) as string[];

interface Case {
  size: number;
  snapshot: MatcherSnapshot;
  buildMs: number;
  /** Lines of templates drawn at random among the size's templates, and their template index. */
  lines: string[];
  expected: number[];
  samples: number[];
  fixedSamples: number[];
}

function linesPerSecond(snapshot: MatcherSnapshot, lines: readonly string[]): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (const line of lines) {
    const result = snapshot.match(ORG, line);
    if (result !== undefined) sink += result.templateId + result.variables.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (sink === -1) console.log(sink);
  return lines.length / seconds;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

const cases: Case[] = SIZES.map((size) => {
  const buildStart = process.hrtime.bigint();
  const snapshot = MatcherSnapshot.empty().withChanges(templates.slice(0, size));
  const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
  const expected = Array.from({ length: LINES }, () => int(size));
  const lines = flat(expected.map((k) => lineOf(texts[k] ?? '')));
  return { size, snapshot, buildMs, lines, expected, samples: [], fixedSamples: [] };
});
// The same lines at every size (all of template #1): their cost must not depend on the size.
const fixedLines = flat(Array.from({ length: 2_000 }, () => lineOf(texts[0] ?? '')));

// Sizes are measured in interleaved rounds so that JIT warm-up and GC land on all alike.
for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
  for (const c of cases) {
    const lps = linesPerSecond(c.snapshot, c.lines);
    const fixed = linesPerSecond(c.snapshot, fixedLines);
    if (round < WARMUP_ROUNDS) continue;
    c.samples.push(lps);
    c.fixedSamples.push(fixed);
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
const lps = cases.map((c) => median(c.samples));
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
const at = (size: number): number => lps[SIZES.indexOf(size)] ?? NaN;
report.add({
  case: '10,000 vs 10 templates slowdown (lower is better)',
  value: at(10) / at(10_000),
  peer: 1.5,
  unit: 'x',
  note: 'lines/s at 10 / lines/s at 10,000; limit ≤ 1.5',
});
report.add({
  case: 'lines/s at 1,000 templates vs target',
  value: at(1_000),
  peer: 1_500_000,
  unit: 'lines/s',
  note: 'target ≥ 1,500,000 with variables extracted',
});
report.emit(args.json);

console.log('');
console.log(
  `Details (${LINES.toLocaleString('en')} lines per size; log-ingest: median of ${ROUNDS} rounds after ${WARMUP_ROUNDS} ` +
    `of warm-up; Drain3: median of ${PEER_ROUNDS.match} (match) and ${PEER_ROUNDS.params} (match + parameters) rounds after one):`,
);
console.log(
  '| templates | log-ingest ns/line | matched (own template) | trie nodes visited per line | template #1 lines, ns/line | build, ms | Drain3 match() lines/s | Drain3 match + extract_parameters lines/s | Drain3 matched (right cluster) |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
const pct = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;
for (const [k, c] of cases.entries()) {
  let steps = 0;
  let matched = 0;
  let own = 0;
  for (const [j, line] of c.lines.entries()) {
    const result = c.snapshot.match(ORG, line);
    steps += lastMatchSteps();
    if (result === undefined) continue;
    matched++;
    if (result.templateId === (c.expected[j] ?? 0) + 1) own++;
  }
  const peer = peers?.[k];
  const fmt = (x: number | undefined): string =>
    x === undefined ? 'n/a' : Math.round(x).toLocaleString('en');
  console.log(
    `| ${c.size.toLocaleString('en')} | ${(1e9 / median(c.samples)).toFixed(0)} | ${pct(matched, LINES)} (${pct(own, LINES)}) | ` +
      `${(steps / LINES).toFixed(1)} | ${(1e9 / median(c.fixedSamples)).toFixed(0)} | ${c.buildMs.toFixed(1)} | ` +
      `${fmt(peer?.match.lines_per_s)} | ${fmt(peer?.params.lines_per_s)} | ` +
      `${peer === undefined ? 'n/a' : `${pct(peer.match_hits, LINES)} (${pct(peer.match_right, LINES)})`} |`,
  );
}

// One upsert into the 10,000-template snapshot: a new text for an existing id, and a new id.
function medianMicros(run: (k: number) => void, count: number): { median: number; max: number } {
  const samples: number[] = [];
  for (let k = 0; k < count; k++) {
    const start = process.hrtime.bigint();
    run(k);
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(count / 2)] ?? 0, max: samples[count - 1] ?? 0 };
}
const largest = cases[cases.length - 1]?.snapshot ?? MatcherSnapshot.empty();
let current = largest;
const replace = medianMicros((k) => {
  const template = templates[k * 37] ?? templates[0];
  if (template === undefined) return;
  current = current.withChanges([{ ...template, text: `${template.text} v${k}` }]);
}, 200);
const add = medianMicros((k) => {
  current = current.withChanges([{ ...templates[0]!, id: 100_000 + k, text: `brand new template ${k} <*>` }]);
}, 200);
console.log('');
console.log(`withChanges at 10,000 templates, one upsert (200 runs, chained):`);
console.log(`| change | median µs | max µs |`);
console.log('|---|---|---|');
console.log(`| new text for an existing id | ${replace.median.toFixed(1)} | ${replace.max.toFixed(1)} |`);
console.log(`| new template | ${add.median.toFixed(1)} | ${add.max.toFixed(1)} |`);
console.log(`(the old snapshot still has ${largest.size} templates; the new one ${current.size})`);
