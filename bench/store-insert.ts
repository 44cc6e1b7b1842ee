/**
 * Which way into the embedded engine is fastest for the same rows of the real logs schema:
 * `npm run bench:store -- [--rounds 5] [--rows 20000]`. Each case inserts the same rows; cases
 * take turns round by round (after an untimed warm-up round), so drift (merges, page cache, other
 * load on the machine) hits each alike, and the figures are medians over the rounds.
 *
 * - text formats through the client (`client.exec`, the path before: chdb turns the body back
 *   into a string and appends it to the statement) and as raw bytes (`insertEncoded`: chdb's own
 *   insert, the bytes handed to the engine as they are);
 * - RowBinary, encoded into a reused Buffer (bench/row-binary.ts) and read by the engine from a
 *   file (`INSERT ... FROM INFILE`): chdb takes no binary body inline, its SQL is a C string;
 * - the materialized views of migrations 003, 006 and 007 on and off (a copy of the table
 *   without them), and insert sizes from 1,000 to 50,000 rows.
 *
 * Encode is the JavaScript thread's time; insert is the wall time of the insert; CPU is the
 * process's (all threads: the engine's parsing and writing included) per row, encode + insert.
 * A case's rows/s is rows / (encode + insert).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { StoredLog } from '../src/model/log.ts';
import { loadConfig } from '../src/config.ts';
import { insertEncoded, type ClickHouseClient } from '../src/store/client.ts';
import { encodeLogs, LOG_COLUMNS, type InsertFormat } from '../src/store/format.ts';
import { startStore } from '../src/store/stage.ts';
import { RowBinaryEncoder } from './row-binary.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    rows: { type: 'string', default: '20000' },
  },
});
const rounds = Number(values.rounds);
const rowsPerInsert = Number(values.rows);

function makeRows(n: number, seed: number): StoredLog[] {
  const rows: StoredLog[] = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const k = seed * n + i;
    rows.push({
      timestamp: now - k,
      org: `org-${k % 3}`,
      dashboard: 'main',
      service: `svc-${k % 7}`,
      host: `host-${k % 50}.example.com`,
      level: k % 10 === 0 ? 'ERROR' : 'INFO',
      message: `Connection timeout after ${k % 97}s to 10.0.${k % 255}.${k % 13}:5432 "db" user='app' path=C:\\data`,
      metadata: { region: 'eu-west-1', request_id: `req-${k}`, note: 'tab\there' },
      templateId: 1000 + (k % 40),
      variables: [String(k % 97), `10.0.${k % 255}.${k % 13}:5432`],
      untemplatedReason: '',
      id: String(BigInt(k) * 2654435761n + 12345n),
    });
  }
  return rows;
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-store-'));
const store = await startStore(
  {
    url: undefined,
    user: 'default',
    password: '',
    database: 'bench',
    dataDir,
    bufferSize: rowsPerInsert,
    flushIntervalSecs: 3600,
    bufferMaxRows: rowsPerInsert * 10,
    retentionDays: 30,
    retryInitialBackoffMs: 100,
    retryMaxBackoffMs: 1000,
    discardLogs: false,
    // The engine's settings as the service starts it.
    embedded: loadConfig({}).clickhouse.embedded,
  },
  { logger: pino({ level: 'warn' }) },
);
const client: ClickHouseClient = store.client;
// The same table (its indexes and projection) without the views that count every insert.
await client.command({ query: 'CREATE TABLE bench.logs_plain AS bench.logs' });
const columns = LOG_COLUMNS.join(', ');
const target = (table: string) => `bench.${table} (${columns})`;
const infile = join(dataDir, 'insert.bin');
const rowBinary = new RowBinaryEncoder();

/** The insert before: the body through the client's exec, as a stream of one Buffer. */
async function viaExec(table: string, format: InsertFormat, body: string): Promise<void> {
  const result = await client.exec({
    query: `INSERT INTO ${target(table)} SETTINGS insert_deduplication_token = '', input_format_json_throw_on_bad_escape_sequence = 0 FORMAT ${format}`,
    values: Readable.from([Buffer.from(body, 'utf8')], { objectMode: false }),
  });
  result.stream.resume();
  await new Promise((resolve) => result.stream.once('end', resolve));
}

interface Case {
  name: string;
  rows: number;
  encode(rows: StoredLog[]): string | Buffer;
  insert(body: string | Buffer): Promise<void>;
}

const text = (format: InsertFormat) => (rows: StoredLog[]) => encodeLogs(rows, format);
const raw = (table: string, format: InsertFormat) => (body: string | Buffer) =>
  insertEncoded(client, target(table), format, body, '');
const fromFile = (table: string) => async (body: string | Buffer) => {
  writeFileSync(infile, body);
  await client.command({ query: `INSERT INTO ${target(table)} FROM INFILE '${infile}' FORMAT RowBinary` });
};

const cases: Case[] = [
  {
    name: 'JSONCompactEachRow, client exec (before)',
    rows: rowsPerInsert,
    encode: text('JSONCompactEachRow'),
    insert: (b) => viaExec('logs', 'JSONCompactEachRow', b as string),
  },
  {
    name: 'JSONCompactEachRow, raw bytes',
    rows: rowsPerInsert,
    encode: text('JSONCompactEachRow'),
    insert: raw('logs', 'JSONCompactEachRow'),
  },
  {
    name: 'JSONEachRow, raw bytes',
    rows: rowsPerInsert,
    encode: text('JSONEachRow'),
    insert: raw('logs', 'JSONEachRow'),
  },
  {
    name: 'TabSeparated, raw bytes',
    rows: rowsPerInsert,
    encode: text('TabSeparated'),
    insert: raw('logs', 'TabSeparated'),
  },
  {
    name: 'RowBinary, from a file',
    rows: rowsPerInsert,
    encode: (rows) => rowBinary.encode(rows),
    insert: fromFile('logs'),
  },
  {
    name: 'JSONCompactEachRow, raw bytes, no views',
    rows: rowsPerInsert,
    encode: text('JSONCompactEachRow'),
    insert: raw('logs_plain', 'JSONCompactEachRow'),
  },
  {
    name: 'RowBinary, from a file, no views',
    rows: rowsPerInsert,
    encode: (rows) => rowBinary.encode(rows),
    insert: fromFile('logs_plain'),
  },
  ...[1000, 5000, 50_000].map((n): Case => ({
    name: `JSONCompactEachRow, raw bytes, ${n.toLocaleString('en')} rows per insert`,
    rows: n,
    encode: text('JSONCompactEachRow'),
    insert: raw('logs', 'JSONCompactEachRow'),
  })),
];

interface Sample {
  encodeMs: number;
  insertMs: number;
  cpuMs: number;
  bytes: number;
  rows: number;
}
const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
// Every case inserts at least --rows rows per round: the small inserts repeat.
const rowsPerRound = (c: Case) => Math.max(rowsPerInsert, c.rows);

try {
  for (let round = -1; round < rounds; round++) {
    for (const c of cases) {
      const sample: Sample = { encodeMs: 0, insertMs: 0, cpuMs: 0, bytes: 0, rows: 0 };
      for (let done = 0; done < rowsPerRound(c); done += c.rows) {
        const rows = makeRows(c.rows, round + 2 + done);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const body = c.encode(rows);
        const t1 = performance.now();
        await c.insert(body);
        const t2 = performance.now();
        const cpu = process.cpuUsage(cpu0);
        sample.encodeMs += t1 - t0;
        sample.insertMs += t2 - t1;
        sample.cpuMs += (cpu.user + cpu.system) / 1000;
        sample.bytes += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
        sample.rows += c.rows;
      }
      if (round >= 0) samples.get(c.name)!.push(sample);
    }
  }
  const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rate = (s: Sample) => s.rows / ((s.encodeMs + s.insertMs) / 1000);
  const peerRate = median(samples.get(cases[0]!.name)!.map(rate));
  console.log(
    `\n${rounds} rounds of ${rowsPerInsert.toLocaleString('en')} rows per case (medians), embedded engine ` +
      `(chdb), Node ${process.version}; peer: ${cases[0]!.name}\n`,
  );
  console.log(
    '| case | encode ms per 10k rows | insert ms per 10k rows | rows/s | ratio to peer | CPU µs per row (all threads) | bytes/row |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const c of cases) {
    const list = samples.get(c.name)!;
    const per10k = (pick: (s: Sample) => number) => median(list.map((s) => (pick(s) / s.rows) * 10_000));
    const r = median(list.map(rate));
    console.log(
      `| ${c.name} | ${per10k((s) => s.encodeMs).toFixed(1)} | ${per10k((s) => s.insertMs).toFixed(1)} | ` +
        `${Math.round(r).toLocaleString('en')} | ${(r / peerRate).toFixed(2)}x | ` +
        `${median(list.map((s) => (s.cpuMs * 1000) / s.rows)).toFixed(1)} | ${Math.round(median(list.map((s) => s.bytes / s.rows)))} |`,
    );
  }
} finally {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
