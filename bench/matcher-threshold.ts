// When should an org's compact base be rebuilt? The delta takes changes until it holds a fraction
// f of the org's templates (layered-trie.ts, deltaLimit); then the base is rebuilt. A larger f
// spreads the rebuild over more changes but leaves more templates in the delta, which every line
// walks beside the base. For each f, at 10,000 templates, this measures both in one run, the
// fractions alternating (order reversed every other round), CPU time, medians:
//   - a change into the delta when it already holds up to f·n changes (mean over the f·n changes),
//   - building the base (the rebuild, whatever f),
//   - mean per change = change + build / (f·n): the part of a swap that depends on f (the
//     snapshot's own bookkeeping per change, its persistent maps, is the same for every f),
//   - lines/s with a full delta (f·n templates replaced, lines drawn from all templates),
//     beside lines/s with an empty delta (f = 0) in the same round.
//
//   node bench/matcher-threshold.ts [--rounds R] [--fractions 0.125,0.25,0.5,1]
import { parseArgs } from 'node:util';
import { LayeredTrie } from '../src/match/layered-trie.ts';
import { TrieSearch } from '../src/match/search.ts';
import type { Template } from '../src/model/template.ts';
import { flat, int, lineOf, templates } from './matcher-data.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    fractions: { type: 'string', default: '0.125,0.25,0.5,1' },
  },
});
const rounds = Number(args.rounds);
const fractions = args.fractions.split(',').map(Number);
if (!(rounds >= 1 && rounds <= 50) || !fractions.every((f) => f > 0 && f <= 1)) {
  console.error('--rounds 1..50, --fractions each in (0, 1]');
  process.exit(2);
}

const n = templates.length;
const LINES = 20_000;
const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Change j: new text for an existing id (37 is prime to n, so the first n changes hit n ids). */
const changeOf = (j: number): Template => {
  const template = templates[(j * 37) % n] ?? templates[0];
  if (template === undefined) throw new Error('no template');
  return { ...template, text: `${template.text} v${j}` };
};

const search = new TrieSearch();
function linesPerSecond(trie: LayeredTrie, lines: readonly string[]): number {
  let sink = 0;
  const start = cpuSeconds();
  for (const line of lines) sink += search.run(trie, line)?.templateId ?? 0;
  const seconds = cpuSeconds() - start;
  if (sink === -1) console.log(sink);
  return lines.length / seconds;
}

interface Sample {
  changeUs: number;
  lines: number;
  linesEmpty: number;
}
const samples = new Map<number, Sample[]>(fractions.map((f) => [f, []]));
const builds: number[] = [];

for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? fractions : [...fractions].reverse();
  for (const f of order) {
    const start = cpuSeconds();
    const base = LayeredTrie.build(templates);
    builds.push((cpuSeconds() - start) * 1e3);
    const changes = Math.round(f * n);
    const current = [...templates];
    const next = Array.from({ length: changes }, (_, j) => changeOf(j));
    let trie = base;
    const changing = cpuSeconds();
    for (const template of next) {
      const k = template.id - 1;
      trie = trie.withTemplate(current[k], template);
      current[k] = template;
    }
    const changeUs = ((cpuSeconds() - changing) * 1e6) / changes;
    const lines = flat(Array.from({ length: LINES }, () => lineOf(current[int(n)]?.text ?? '')));
    // The same templates in the base alone, the peer of the full delta.
    const rebuilt = LayeredTrie.build(current);
    // A warm-up pass each, then the empty delta and the full one alternating.
    linesPerSecond(rebuilt, lines);
    linesPerSecond(trie, lines);
    const full: number[] = [];
    const empty: number[] = [];
    for (let k = 0; k < 3; k++) {
      empty.push(linesPerSecond(rebuilt, lines));
      full.push(linesPerSecond(trie, lines));
    }
    samples.get(f)?.push({ changeUs, lines: median(full), linesEmpty: median(empty) });
  }
}

const buildMs = median(builds);
console.log(
  `${n.toLocaleString('en')} templates, ${rounds} rounds, medians; building the base: ${buildMs.toFixed(1)} ms CPU`,
);
console.log(
  '| f | changes before a rebuild | change into the delta, µs | build / changes, µs | mean per change, µs | lines/s, full delta | lines/s, empty delta (same round) | ratio |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const f of fractions) {
  const own = samples.get(f) ?? [];
  const changes = Math.round(f * n);
  const changeUs = median(own.map((s) => s.changeUs));
  const amortised = (buildMs * 1e3) / changes;
  const lines = median(own.map((s) => s.lines));
  const empty = median(own.map((s) => s.linesEmpty));
  console.log(
    `| ${f} | ${changes.toLocaleString('en')} | ${changeUs.toFixed(1)} | ${amortised.toFixed(1)} | ${(changeUs + amortised).toFixed(1)} | ${Math.round(lines).toLocaleString('en')} | ${Math.round(empty).toLocaleString('en')} | ${(lines / empty).toFixed(2)}x |`,
  );
}
