/**
 * Which insert format is fastest into the embedded engine, with the real logs schema:
 * `npx node bench/store-insert.ts [batches=10] [rows=10000]`. Formats take turns round by round,
 * so drift (merges, page cache) hits each alike. Prints a markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { StoredLog } from '../src/model/log.ts';
import { insertEncoded } from '../src/store/client.ts';
import { encodeLogs, LOG_COLUMNS, type InsertFormat } from '../src/store/format.ts';
import { startStore } from '../src/store/stage.ts';

const batches = Number(process.argv[2] ?? 10);
const rowsPerBatch = Number(process.argv[3] ?? 10_000);
const formats: InsertFormat[] = ['JSONEachRow', 'JSONCompactEachRow', 'TabSeparated'];

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
    bufferSize: rowsPerBatch,
    flushIntervalSecs: 3600,
    bufferMaxRows: rowsPerBatch * 10,
    retentionDays: 30,
    retryInitialBackoffMs: 100,
    retryMaxBackoffMs: 1000,
    discardLogs: false,
  },
  { logger: pino({ level: 'warn' }) },
);
const table = `bench.logs (${LOG_COLUMNS.join(', ')})`;
const totals = new Map(formats.map((f) => [f, { encodeMs: 0, insertMs: 0, bytes: 0 }]));

try {
  for (let round = -1; round < batches; round++) {
    for (const format of formats) {
      const rows = makeRows(rowsPerBatch, round + 2);
      const t0 = performance.now();
      const body = encodeLogs(rows, format);
      const t1 = performance.now();
      await insertEncoded(store.client, table, format, body, '');
      const t2 = performance.now();
      if (round < 0) continue; // warm-up
      const total = totals.get(format)!;
      total.encodeMs += t1 - t0;
      total.insertMs += t2 - t1;
      total.bytes += Buffer.byteLength(body);
    }
  }
  const rows = batches * rowsPerBatch;
  console.log(
    `\n${batches} batches of ${rowsPerBatch} rows per format, embedded engine, Node ${process.version}\n`,
  );
  console.log('| format | encode ms/batch | insert ms/batch | total rows/s | body bytes/row |');
  console.log('|---|---|---|---|---|');
  for (const [format, t] of totals) {
    const perBatch = (ms: number) => (ms / batches).toFixed(1);
    const rate = Math.round(rows / ((t.encodeMs + t.insertMs) / 1000));
    console.log(
      `| ${format} | ${perBatch(t.encodeMs)} | ${perBatch(t.insertMs)} | ${rate.toLocaleString('en')} | ${Math.round(t.bytes / rows)} |`,
    );
  }
} finally {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
