// What reading a missing timestamp and level from the line (ingest/line-fields.ts) costs per
// log: validateLog with it on beside validateLog with it off, on the same logs in the same run,
// in alternating rounds (the median of the rounds is the figure), in CPU time. Three kinds of logs, none with
// a timestamp or level of its own: whole LogHub-2k lines (a header to read), the same lines'
// messages without their header (what the benchmark of templates sends: mostly no header, the
// path that must cost next to nothing), and the whole lines again with a timestamp and level
// sent (the line is not read at all).
//
//   node bench/line-fields.ts [--rounds 9] [--json FILE]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../src/config.ts';
import { lineFields } from '../src/ingest/line-fields.ts';
import { validateLog, type LineFieldsFor } from '../src/ingest/validate.ts';
import { DATASETS, LOGHUB_DIR, readDataset } from './loghub.ts';
import { Report, spread } from './report.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '9' }, json: { type: 'string' } },
});
const rounds = Number(values.rounds);
const NOW = Date.now();

const raw = DATASETS.flatMap((name) =>
  readFileSync(join(LOGHUB_DIR, name, `${name}_2k.log`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== ''),
);
const messages = DATASETS.flatMap((name) => readDataset(name).map((l) => l.content)).filter(
  (m) => m.trim() !== '',
);

/** The logs as the service has them: parsed from a JSON body (flat strings, as JSON.parse makes). */
const parsed = (logs: object[]): object[] => JSON.parse(JSON.stringify(logs)) as object[];

const sets: Array<[string, object[]]> = [
  ['whole lines', parsed(raw.map((message) => ({ org: 'bench', message })))],
  ['messages without a header', parsed(messages.map((message) => ({ org: 'bench', message })))],
  [
    'whole lines, timestamp and level sent',
    parsed(raw.map((message) => ({ org: 'bench', message, timestamp: NOW, level: 'info' }))),
  ],
];

const on: LineFieldsFor = () => true;

/**
 * The process's CPU time in microseconds. CPU time, not wall time: on a machine shared with other
 * work, a wall-clock round is stretched by every time slice given to others.
 */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** CPU nanoseconds per log of validating every log of `logs` `times` times. */
function nsPerLog(logs: readonly object[], lineFieldsFor: LineFieldsFor | undefined, times: number): number {
  let kept = 0;
  const start = cpuMicros();
  for (let t = 0; t < times; t++) {
    for (let i = 0; i < logs.length; i++) {
      const r = validateLog(logs[i], null, NOW, DEFAULT_LIMITS, true, lineFieldsFor);
      if (r.ok) kept += r.log.timestamp & 1;
    }
  }
  const ns = (cpuMicros() - start) * 1000;
  if (kept < 0) console.log(kept);
  return ns / (logs.length * times);
}

/** What each set's header gives: how many logs took a time, a level. */
function found(logs: readonly object[]): { times: number; levels: number } {
  let times = 0;
  let levels = 0;
  for (const log of logs as Array<{ message: string }>) {
    const f = lineFields(log.message, NOW, true, true);
    if (f.timestamp !== undefined) times++;
    if (f.level !== undefined) levels++;
  }
  return { times, levels };
}

const report = new Report('line-fields');
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, logs] of sets) {
  // Warm up both paths, then alternate: off, on, off, on ...
  nsPerLog(logs, undefined, 3);
  nsPerLog(logs, on, 3);
  const offs: number[] = [];
  const ons: number[] = [];
  for (let r = 0; r < rounds; r++) {
    offs.push(nsPerLog(logs, undefined, 5));
    ons.push(nsPerLog(logs, on, 5));
  }
  const off = spread(offs).median;
  const onMedian = spread(ons).median;
  const f = found(logs);
  report.add({ case: `${name}: validateLog, line fields off (the peer)`, value: off, unit: 'ns/log' });
  report.add({
    case: `${name}: validateLog, line fields on`,
    value: onMedian,
    peer: off,
    unit: 'ns/log',
    note: `${logs.length} logs; a header time in ${f.times}, a level in ${f.levels}`,
  });
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
report.emit(values.json);
