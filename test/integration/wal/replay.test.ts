import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { makeDataDir, startTestService, type TestService } from '../../helpers/service.ts';

// The embedded engine allows one data folder per process: the tests share one, each with its
// own org, and each stops its service before the next starts.
const dataDir = await makeDataDir();
const cleanup: Array<() => Promise<void>> = [() => rm(dataDir, { recursive: true, force: true })];
let running: TestService | undefined;
after(async () => {
  await running?.stop();
  for (const step of cleanup.reverse()) await step();
});

async function service(env: Record<string, string>): Promise<TestService> {
  await running?.stop();
  running = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600', ...env }, dataDir);
  return running;
}

async function ingest(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/logs/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface WalStats {
  appends: number;
  fsyncs: number;
  replayed_rows: number;
  segments: number;
  bytes: number;
}

async function walStats(url: string): Promise<WalStats> {
  return ((await (await fetch(`${url}/stats`)).json()) as { wal: WalStats }).wal;
}

async function count(svc: TestService, org: string): Promise<{ rows: number; ids: number }> {
  const result = await svc.service.store.client.query({
    query: `SELECT count() AS rows, uniqExact(id) AS ids FROM ${svc.service.store.database}.logs WHERE org = {org:String}`,
    query_params: { org },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ rows: string; ids: string }>();
  return { rows: Number(row?.rows), ids: Number(row?.ids) };
}

/** Whether each table fsyncs its inserted parts (its fsync_after_insert setting). */
async function partFsync(svc: TestService): Promise<Record<string, boolean>> {
  const result = await svc.service.store.client.query({
    query: `SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN ('logs', 'templates')`,
    query_params: { db: svc.service.store.database },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ name: string; engine_full: string }>();
  return Object.fromEntries(rows.map((row) => [row.name, /fsync_after_insert = 1/.test(row.engine_full)]));
}

const orders = (n: number, from = 0, org = 'acme') =>
  Array.from({ length: n }, (_, i) => ({ org, message: `Order ${from + i} shipped to zone ${i % 5}` }));

describe('write-ahead log in the running service', () => {
  it('INGEST_WAL_SYNC=fsync answers after an fdatasync, shared by the requests waiting for it', async () => {
    const svc = await service({ INGEST_WAL_SYNC: 'fsync' });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ingest(svc.url, { org: 'acme', message: `Job ${i} finished` })),
    );
    assert.deepEqual(new Set(answers.map((res) => res.status)), new Set([200]));
    const wal = await walStats(svc.url);
    assert.equal(wal.appends, 40);
    assert.ok(
      wal.fsyncs >= 1 && wal.fsyncs <= wal.appends,
      `fsyncs ${wal.fsyncs} for ${wal.appends} appends`,
    );
    // A segment is deleted once its logs are inserted: the inserts must be on disk too.
    assert.deepEqual(await partFsync(svc), { logs: true, templates: true });
  });

  it('INGEST_WAL_SYNC=write (the default) writes the WAL and never calls fsync', async () => {
    const svc = await service({});
    assert.deepEqual(await partFsync(svc), { logs: false, templates: false });
    assert.equal((await ingest(svc.url, { logs: orders(50) })).status, 200);
    const wal = await walStats(svc.url);
    assert.equal(wal.appends, 1);
    assert.equal(wal.fsyncs, 0);
    assert.ok(wal.bytes > 50 * 20, `the logs are on disk: ${wal.bytes} bytes`);
  });

  it('a crash between an insert and the deletion of its segment stores nothing twice', async () => {
    const first = await service({});
    assert.equal((await ingest(first.url, { logs: orders(100, 0, 'copied') })).status, 200);
    // The segment as a crash right after the insert would leave it: its logs are all stored.
    const walDir = path.join(first.dataDir, 'wal');
    const copy = await mkdtemp(path.join(tmpdir(), 'wal-copy-'));
    cleanup.push(() => rm(copy, { recursive: true, force: true }));
    await cp(walDir, copy, { recursive: true });
    await first.flush();
    assert.equal((await ingest(first.url, { logs: orders(20, 100, 'copied') })).status, 200);
    await first.stop();
    assert.deepEqual(
      (await readdir(walDir)).filter((f) => f.endsWith('.wal')),
      [],
      'a clean stop leaves no segment',
    );
    await cp(copy, walDir, { recursive: true });

    const again = await service({});
    const wal = await walStats(again.url);
    assert.equal(wal.replayed_rows, 0, 'every log of the old segment was found stored');
    assert.deepEqual(await count(again, 'copied'), { rows: 120, ids: 120 });
    assert.equal(wal.segments, 1, 'the old segment is deleted; only the new active one is left');
  });

  it('does not start on a segment written in another format, and says which file and what to do', async () => {
    await running?.stop();
    running = undefined;
    const walDir = path.join(dataDir, 'wal');
    await mkdir(walDir, { recursive: true });
    const file = path.join(walDir, '00000000000000000099.wal');
    const header = Buffer.alloc(16);
    header.write('LIWAL', 0, 'latin1');
    header.writeUInt8(9, 5);
    await writeFile(file, header);
    try {
      await assert.rejects(
        startTestService({}, dataDir),
        (err: unknown) =>
          err instanceof Error &&
          err.message.includes(file) &&
          err.message.includes('format 9') &&
          /move the segment away/.test(err.message),
      );
    } finally {
      await rm(file);
    }
  });

  it('refuses ingestion with 503 once INGEST_WAL_MAX_BYTES is reached, and stores nothing of it', async () => {
    const svc = await service({
      // Nothing is stored until the flush below: the WAL only grows.
      CLICKHOUSE_BUFFER_SIZE: '1000000',
      INGEST_WAL_MAX_BYTES: String(1024 * 1024),
      INGEST_WAL_SEGMENT_BYTES: String(256 * 1024),
    });
    let accepted = 0;
    let refused: Response | undefined;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      const res = await ingest(svc.url, { logs: orders(200, i * 200, 'ceiling') });
      if (res.status === 200) accepted += 200;
      else refused = res;
    }
    assert.ok(refused, 'the ceiling was reached');
    assert.equal(refused.status, 503);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.match(((await refused.json()) as { message: string }).message, /write-ahead log is full/);
    await svc.flush();
    assert.deepEqual(await count(svc, 'ceiling'), { rows: accepted, ids: accepted });
    // Stored: the segments are deleted and ingestion goes on.
    assert.equal((await ingest(svc.url, { logs: orders(10, 1_000_000) })).status, 200);
  });
});
