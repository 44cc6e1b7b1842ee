// Match cost per log against indexes of 1, 100, 1,000 and 10,000 templates of one org:
// it must not grow with the number of templates. Templates are LogHub-2k's ground truth,
// multiplied by varying their literal tokens; lines are made from templates by filling
// in variable values.
import { lastMatchSteps, MatcherSnapshot } from '../src/match/index.ts';
import type { Template } from '../src/model/template.ts';
import { DATASETS, loghubAvailable, readTemplates } from './loghub.ts';

if (!loghubAvailable()) {
  console.log('LogHub-2k not found; set LOGHUB_DIR');
  process.exit(0);
}

const ORG = 'acme';
const SIZES = [1, 100, 1_000, 10_000];
const WILDCARD = '<*>';

let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}

const base = [...new Set(DATASETS.flatMap((name) => readTemplates(name)))].filter((text) =>
  /[A-Za-z]{3}/.test(text),
);
for (let k = base.length - 1; k > 0; k--) {
  const j = Math.floor(random() * (k + 1));
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

const texts: string[] = [];
for (let v = 0; texts.length < 10_000; v++) {
  for (const text of base) {
    if (texts.length < 10_000) texts.push(variant(text, v));
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

const values = [
  '42',
  '10.251.43.21:50010',
  'blk_-1608999687919862906',
  'root',
  '0x1f3a',
  'job_1445144423722_0020',
];
function lineOf(text: string): string {
  return text.replaceAll(WILDCARD, () => values[Math.floor(random() * values.length)] ?? '');
}

function nsPerLog(snapshot: MatcherSnapshot, lines: readonly string[]): number {
  let sink = 0;
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (const line of lines) sink += snapshot.match(ORG, line)?.templateId ?? 0;
    samples.push(Number(process.hrtime.bigint() - start) / lines.length);
  }
  if (sink === -1) console.log(sink);
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;
}

const fixedLines = Array.from({ length: 2_000 }, () => lineOf(texts[0] ?? ''));
const first100Lines = Array.from({ length: 2_000 }, () => lineOf(texts[Math.floor(random() * 100)] ?? ''));
const missLines = Array.from({ length: 2_000 }, () => lineOf(`${texts[0] ?? ''} zz unexpected tail`));

interface Case {
  size: number;
  snapshot: MatcherSnapshot;
  buildMs: number;
  ownLines: string[];
  samples: number[][];
}
const cases: Case[] = SIZES.map((size) => {
  const buildStart = process.hrtime.bigint();
  const snapshot = MatcherSnapshot.empty().withChanges(templates.slice(0, size));
  const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
  const ownLines = Array.from({ length: 2_000 }, () => lineOf(texts[Math.floor(random() * size)] ?? ''));
  return { size, snapshot, buildMs, ownLines, samples: [[], [], [], []] };
});

// Sizes are measured in interleaved rounds so that JIT warm-up and GC land on all alike.
for (let round = 0; round < 7; round++) {
  for (const c of cases) {
    c.samples[0]?.push(nsPerLog(c.snapshot, fixedLines));
    c.samples[1]?.push(c.size >= 100 ? nsPerLog(c.snapshot, first100Lines) : NaN);
    c.samples[2]?.push(nsPerLog(c.snapshot, c.ownLines));
    c.samples[3]?.push(nsPerLog(c.snapshot, missLines));
  }
}
const median = (values: number[] | undefined): string => {
  const sorted = [...(values ?? [])].sort((a, b) => a - b);
  const value = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return Number.isNaN(value) ? 'n/a' : value.toFixed(0);
};

console.log(
  '| templates in the org | lines of template #1 | lines of templates #1-#100 | lines of any template in the index | trie nodes visited per log (same lines) | unmatched lines | build, ms |',
);
console.log('|---|---|---|---|---|---|---|');
for (const c of cases) {
  let steps = 0;
  const matched = c.ownLines.filter((line) => {
    const found = c.snapshot.match(ORG, line) !== undefined;
    steps += lastMatchSteps();
    return found;
  }).length;
  if (matched !== c.ownLines.length) throw new Error(`only ${matched} lines matched at ${c.size}`);
  console.log(
    `| ${c.size.toLocaleString('en')} | ${median(c.samples[0])} | ${median(c.samples[1])} | ` +
      `${median(c.samples[2])} | ${(steps / c.ownLines.length).toFixed(1)} | ${median(c.samples[3])} | ${c.buildMs.toFixed(1)} |`,
  );
}
console.log('(match cost in ns per log, median of rounds; every line of the fourth column matched)');
const largest = cases[cases.length - 1]?.snapshot ?? MatcherSnapshot.empty();

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
