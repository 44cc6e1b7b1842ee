// The match loop of bench:matcher alone, for a profiler: one org of N of its templates, lines
// drawn from them, matched over and over for a while. Run it under `node --cpu-prof` (or
// `--prof`) to see where a line's time goes at a given size (docs/benchmarks.md, "Matching").
//
//   node --cpu-prof --cpu-prof-dir=DIR bench/matcher-profile.ts [--templates N] [--seconds S]
import { parseArgs } from 'node:util';
import { MatcherSnapshot } from '../src/match/index.ts';
import { flat, int, lineOf, ORG, templates, texts } from './matcher-data.ts';

const { values: args } = parseArgs({
  options: {
    templates: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '5' },
  },
});
const size = Number(args.templates);
const seconds = Number(args.seconds);
if (!(size >= 1 && size <= templates.length) || !(seconds > 0 && seconds <= 600)) {
  console.error(`--templates 1..${templates.length}, --seconds up to 600`);
  process.exit(2);
}

const snapshot = MatcherSnapshot.empty().withChanges(templates.slice(0, size));
const lines = flat(Array.from({ length: 20_000 }, () => lineOf(texts[int(size)] ?? '')));
let matched = 0;
let count = 0;
const until = performance.now() + seconds * 1000;
while (performance.now() < until) {
  for (const line of lines) if (snapshot.match(ORG, line) !== undefined) matched++;
  count += lines.length;
}
console.log(
  `${size} templates: ${count.toLocaleString('en')} lines matched ${((100 * matched) / count).toFixed(1)}%`,
);
