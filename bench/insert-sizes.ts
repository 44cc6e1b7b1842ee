// What the insert size costs the storage engine, merges included (docs/scaling.md, section 4):
// `npx node bench/insert-sizes.ts [--rows N] [--sizes 810,1000,...] [--rounds R] [--json FILE]`.
// The same rows (LogHub-2k lines with fresh numbers, twelve orgs, an hour of timestamps) go into
// the real logs table with its views, in inserts of each size, each insert with its own dedup
// token as the writer sends them; then the bench waits until no merge runs. The figure is the
// process's CPU (every thread: the engine's inserts and merges run in it) from the first insert to
// the end of the merges, per million rows, beside the cost at 20,000 rows per insert measured in
// the same rounds. The rows are encoded before the clock starts, so the cost is the engine's.
// Sizes take turns, in another order each round; the tables are emptied between them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DATASETS, loghubAvailable, LOGHUB_DIR, readDataset, withFreshNumbers } from './loghub.ts';
import { Report, spread } from './report.ts';
import { loadConfig } from '../src/config.ts';
import type { StoredLog } from '../src/model/log.ts';
import { insertEncoded } from '../src/store/client.ts';
import { encodeLogs, LOG_COLUMNS, LOG_FORMAT } from '../src/store/format.ts';
import { startStore, type Store } from '../src/store/stage.ts';

const PEER_SIZE = 20_000;
/** Tables an insert into logs writes to (the logs and the views of migrations 003, 006, 007). */
const TABLES = ['logs', 'template_stats', 'untemplated_stats', 'template_volume_1h', 'template_volume_10m'];
/** Merges may run this long after the last insert before the phase is given up as unsettled. */
const SETTLE_LIMIT_MS = 300_000;

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    sizes: { type: 'string', default: '810,1000,10000,20000,100000' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const total = Number(args.rows);
const sizes = args.sizes.split(',').map(Number);
const rounds = Number(args.rounds);
if (!sizes.includes(PEER_SIZE)) sizes.push(PEER_SIZE);
if (!loghubAvailable()) throw new Error(`LogHub-2k not found in ${LOGHUB_DIR} (set LOGHUB_DIR)`);

function makeRows(n: number): StoredLog[] {
  const lines = DATASETS.flatMap((name) => readDataset(name).map((l) => ({ name, ...l })));
  const start = Date.now() - 3_600_000;
  return Array.from({ length: n }, (_, i) => {
    const line = lines[i % lines.length]!;
    return {
      timestamp: start + Math.floor((i / n) * 3_600_000),
      org: line.name.toLowerCase(),
      dashboard: '',
      service: line.name,
      host: `node-${i % 50}`,
      level: 'INFO',
      message: withFreshNumbers(line.content),
      metadata: {},
      // One template per ground-truth template of the system, as the matcher would give.
      templateId: 1 + (hash(`${line.name}:${line.template}`) % 1_000_000),
      variables: [],
      untemplatedReason: '',
    };
  });
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h;
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function scalar(store: Store, query: string): Promise<number> {
  const result = await store.client.query({ query, format: 'JSONEachRow' });
  const [row] = await result.json<{ n: number | string }>();
  return Number(row?.n ?? 0);
}

/** Waits until no merge of the database has run for three polls in a row. */
async function settle(store: Store): Promise<boolean> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (let quiet = 0; quiet < 3;) {
    if (Date.now() > deadline) return false;
    await sleep(500);
    const running = await scalar(
      store,
      `SELECT count() AS n FROM system.merges WHERE database = '${store.database}'`,
    );
    quiet = running === 0 ? quiet + 1 : 0;
  }
  return true;
}

async function empty(store: Store): Promise<void> {
  for (const table of TABLES)
    await store.client.command({ query: `TRUNCATE TABLE ${store.database}.${table}` });
  await settle(store);
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-insert-sizes-'));
const store = await startStore(
  {
    url: undefined,
    user: 'default',
    password: '',
    database: 'bench',
    dataDir,
    bufferSize: PEER_SIZE,
    flushIntervalSecs: 3600,
    bufferMaxRows: PEER_SIZE,
    retentionDays: 30,
    retryInitialBackoffMs: 100,
    retryMaxBackoffMs: 1000,
    discardLogs: false,
    // The engine's settings as the service starts it.
    embedded: loadConfig({}).clickhouse.embedded,
  },
  { logger: pino({ level: 'warn' }) },
);
const table = `${store.database}.logs (${LOG_COLUMNS.join(', ')})`;
const rows = makeRows(total);
const costs = new Map<number, number[]>(sizes.map((s) => [s, []]));
/** CPU of a settle wait with nothing to merge: the polling and the idle engine, in every figure. */
let idle = 0;
const parts = new Map<number, number[]>(sizes.map((s) => [s, []]));

try {
  await empty(store);
  const idleFrom = cpuSeconds();
  await settle(store);
  idle = cpuSeconds() - idleFrom;
  for (let round = 0; round < rounds; round++) {
    // Another order each round, so that a trend on the machine does not favour one size.
    const order = sizes.map((_, i) => sizes[(i + round) % sizes.length]!);
    for (const size of order) {
      const bodies: string[] = [];
      for (let at = 0; at < rows.length; at += size)
        bodies.push(encodeLogs(rows.slice(at, at + size), LOG_FORMAT));
      await empty(store);
      const before = cpuSeconds();
      for (const [i, body] of bodies.entries()) {
        await insertEncoded(store.client, table, LOG_FORMAT, body, `bench:${round}:${size}:${i}`);
      }
      const made = await scalar(
        store,
        `SELECT count() AS n FROM system.parts WHERE database = '${store.database}' AND table = 'logs'`,
      );
      if (!(await settle(store)))
        throw new Error(`merges still running ${SETTLE_LIMIT_MS} ms after ${size}-row inserts`);
      const cost = ((cpuSeconds() - before) / rows.length) * 1e6;
      const stored = await scalar(store, `SELECT count() AS n FROM ${store.database}.logs`);
      if (stored !== rows.length)
        throw new Error(`${size}-row inserts stored ${stored} of ${rows.length} rows`);
      costs.get(size)!.push(cost);
      parts.get(size)!.push(made);
      console.error(`round ${round + 1}, ${size} rows per insert: ${cost.toFixed(1)} CPU s per million rows`);
    }
  }
} finally {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const peer = spread(costs.get(PEER_SIZE)!).median;
const report = new Report('insert-sizes');
for (const size of sizes) {
  const { median, min, max } = spread(costs.get(size)!);
  report.add({
    case: `inserts of ${size.toLocaleString('en')} rows: CPU per million rows, merges included (cost, lower is better)`,
    value: median,
    peer: size === PEER_SIZE ? null : peer,
    unit: 'CPU s',
    note: `median of ${rounds}, ${min.toFixed(1)}-${max.toFixed(1)}; parts of logs right after the inserts: ${spread(parts.get(size)!).median}${size === PEER_SIZE ? '; the peer' : ''}`,
  });
}
report.add({
  case: 'a wait for the merges with nothing to merge (in each figure above)',
  value: (idle / rows.length) * 1e6,
  unit: 'CPU s per million rows',
  note: `${idle.toFixed(3)} CPU s once`,
});
console.log(
  `\n${total.toLocaleString('en')} rows per size into the logs table and its views, embedded engine, ${LOG_FORMAT}, ${rounds} rounds\n`,
);
report.emit(args.json);
