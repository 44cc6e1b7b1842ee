// The pattern reads from the aggregates (migration 007) against the logs themselves, on the real
// embedded engine: any window and step, label filters, a retried insert, a replace (what a
// replay does), logs that arrived so long ago they may be expiring, and a store that had logs
// before the migration. The reference is the same read made by scanning the logs table.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { LabelFilter } from '../../../src/store/label-filter.ts';
import { insertEncoded } from '../../../src/store/client.ts';
import { VOLUME_GRAINS } from '../../../src/store/migrations/007_template_volume.ts';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { templateVolume, type TemplateVolume, type VolumeQuery } from '../../../src/store/template-volume.ts';
import type { StoredLog } from '../../../src/model/log.ts';
import { count, log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-volume');
const db = storage.config.database;
const RETENTION = storage.config.retentionDays;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BASE = Date.UTC(2030, 0, 1, 9, 0, 0);
let store: Store;

/** A fixed pseudo-random sequence: the same logs every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function makeLogs(org: string, n: number, seed: number, firstId: number): StoredLog[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  return Array.from({ length: n }, (_, i) =>
    log({
      org,
      // Three hours and a bit, to the millisecond.
      timestamp: BASE - 7 * MINUTE + Math.floor(next() * 3.3 * HOUR),
      templateId: pick([0, 11, 12, 12, 13, 13, 13, 14]),
      level: pick(['INFO', 'INFO', 'WARN', 'ERROR']),
      service: pick(['api', 'db']),
      host: pick(['h1', 'h2', 'h3']),
      metadata: { zone: pick(['a', 'b']) },
      message: `line ${i}`,
      id: String(firstId + i),
    }),
  );
}

const read = (query: VolumeQuery, scanLogs = false): Promise<TemplateVolume[]> =>
  templateVolume(store.client, db, query, RETENTION, { scanLogs });

/** Counts, levels and series of each template: what the aggregates must give exactly. */
const counts = (volumes: readonly TemplateVolume[]) =>
  volumes.map(({ id, count: n, levels, series }) => ({ id, n, levels, series }));

async function storedIn(org: string, from: number, to: number): Promise<number> {
  return count(
    store,
    `org = {org:String} AND timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
  AND timestamp <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
    { org, from, to },
  );
}

before(async () => {
  store = await startStore(storage.config, { logger: silent });
  await store.insertBatch(makeLogs('any', 3000, 1, 1), 'volume-any-1');
  // Logs that arrived a retention ago, less an hour: stored, but of an arrival day whose logs
  // may be expiring, so the reads count them from the logs table, not the aggregates.
  const old = makeLogs('any', 300, 2, 100_000).map((row) => ({
    timestamp: new Date(row.timestamp).toISOString().replace('T', ' ').replace('Z', ''),
    org: row.org,
    service: row.service,
    host: row.host,
    level: row.level,
    message: row.message,
    template_id: row.templateId,
    id: row.id,
    ingested_at: Math.floor(Date.now() / 1000) - RETENTION * 86_400 + 3600,
  }));
  await insertEncoded(
    store.client,
    `${db}.logs`,
    'JSONEachRow',
    old.map((r) => JSON.stringify(r)).join('\n'),
    '',
  );
});
after(async () => {
  await store.stop();
  storage.cleanup();
});

const FILTERS: ReadonlyArray<LabelFilter[]> = [
  [],
  [{ column: 'service', op: '=', value: 'api' }],
  [{ column: 'host', op: '!=', value: 'h2' }],
  [{ column: 'level', op: '=~', value: 'warn|error' }],
  [{ column: 'metadata', key: 'zone', op: '=', value: 'a' }],
];

test('any window, step and label filter: the counts are those of the logs stored in it', async () => {
  const window = fc
    .record({
      from: fc.integer({ min: BASE - 10 * MINUTE, max: BASE + 3 * HOUR }),
      length: fc.integer({ min: 0, max: 4 * HOUR }),
      step: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom(MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR),
        fc.integer({ min: 1000, max: 2 * HOUR }),
      ),
      filters: fc.constantFrom(...FILTERS),
    })
    .filter(({ length, step }) => step === undefined || Math.floor(length / step) < 1440);
  await fc.assert(
    fc.asyncProperty(window, async ({ from, length, step, filters }) => {
      const query = { org: 'any', from, to: from + length, stepMs: step, filters };
      const fast = await read(query);
      assert.deepEqual(fast, await read(query, true));
      if (filters.length === 0) {
        const total = fast.reduce((n, v) => n + v.count, 0);
        assert.equal(total, await storedIn('any', from, from + length));
      }
      if (from <= BASE && from + length >= BASE + 3 * HOUR) {
        assert.ok(
          fast.some((v) => v.id === 0),
          'logs without a template are counted too (id 0)',
        );
      }
      for (const v of fast) {
        const series = v.series?.reduce((n, p) => n + p.count, 0);
        if (series !== undefined) assert.equal(series, v.count, 'a series adds up to its count');
      }
    }),
    { numRuns: 40, seed: 17 },
  );
});

test('a batch inserted twice with its token, as a retry does, is counted once', async () => {
  const rows = makeLogs('retry', 400, 3, 200_000);
  await store.insertBatch(rows, 'volume-retry-1');
  await store.insertBatch(rows, 'volume-retry-1');
  const window = { org: 'retry', from: BASE - HOUR, to: BASE + 4 * HOUR };
  assert.equal(await storedIn('retry', window.from, window.to), 400);
  const volumes = await read({ ...window, stepMs: MINUTE });
  assert.equal(
    volumes.reduce((n, v) => n + v.count, 0),
    400,
  );
  assert.deepEqual(volumes, await read({ ...window, stepMs: MINUTE }, true));
  // Every aggregate holds each log once, not only the buckets this window happened to read.
  for (const { table } of VOLUME_GRAINS) {
    const result = await store.client.query({
      query: `SELECT sum(count) AS n FROM ${db}.${table} WHERE org = 'retry'`,
      format: 'JSONEachRow',
    });
    assert.equal(Number((await result.json<{ n: string }>())[0]?.n), 400, table);
  }
});

test('a replace (a replay moving logs to another template), run twice, leaves each log counted once', async () => {
  const rows = makeLogs('replay', 300, 4, 300_000).map((r) => ({ ...r, templateId: 21 }));
  await store.insertBatch(rows, 'volume-replay-1');
  // Half the logs re-matched to template 22, and 50 that were never stored.
  const replaced = [
    ...rows.map((r, i) => (i % 2 === 0 ? { ...r, templateId: 22 } : r)),
    ...makeLogs('replay', 50, 5, 400_000).map((r) => ({ ...r, templateId: 22 })),
  ];
  await store.replaceLogs(replaced, 'volume-replace-a');
  await store.replaceLogs(replaced, 'volume-replace-b');
  const window = { org: 'replay', from: BASE - HOUR, to: BASE + 4 * HOUR };
  for (const stepMs of [undefined, MINUTE, 7 * MINUTE + 1]) {
    const fast = await read({ ...window, stepMs });
    assert.deepEqual(counts(fast), counts(await read({ ...window, stepMs }, true)));
    assert.deepEqual(
      fast.map((v) => [v.id, v.count]),
      [
        [22, 200],
        [21, 150],
      ],
    );
  }
});

test('logs stored before the migration are counted once it has run (the backfill)', async () => {
  await store.insertBatch(makeLogs('before', 500, 6, 500_000), 'volume-before-1');
  // As a store from before migration 007: its tables, views and projection gone, and unrecorded.
  for (const { table } of VOLUME_GRAINS) {
    await store.client.command({ query: `DROP VIEW ${db}.${table}_mv` });
    await store.client.command({ query: `DROP TABLE ${db}.${table}` });
  }
  await store.client.command({ query: `ALTER TABLE ${db}.logs DROP PROJECTION by_time` });
  await store.client.command({ query: `DELETE FROM ${db}.schema_migrations WHERE version = 7` });
  await store.stop();
  store = await startStore(storage.config, { logger: silent });
  for (const org of ['before', 'any']) {
    const query = { org, from: BASE - HOUR, to: BASE + 4 * HOUR - 1, stepMs: 10 * MINUTE };
    assert.deepEqual(await read(query), await read(query, true), org);
  }
  assert.equal(
    (await read({ org: 'before', from: BASE - HOUR, to: BASE + 4 * HOUR })).reduce((n, v) => n + v.count, 0),
    500,
  );
});
