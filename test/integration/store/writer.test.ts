import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { insertEncoded } from '../../../src/store/client.ts';
import type { InsertEntry } from '../../../src/model/insert-entry.ts';
import { newRowIds } from '../../../src/model/row-id.ts';
import { encodeInsertLine, encodeLogs, LOG_COLUMNS, type InsertFormat } from '../../../src/store/format.ts';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { count, log, silent, tempStorage, waitFor } from './helpers.ts';

const storage = tempStorage('store-writer');
const db = storage.config.database;
let store: Store;

/** Each test gets a store with its own settings on the same data dir and database. */
async function restart(overrides: Partial<typeof storage.config> = {}): Promise<Store> {
  await store.stop();
  store = await startStore({ ...storage.config, ...overrides }, { logger: silent });
  return store;
}

before(async () => {
  store = await startStore(storage.config, { logger: silent });
});
after(async () => {
  await store.stop();
  storage.cleanup();
});

const NASTY = `tab\there nl\nline cr\r back\\slash \\t not-a-tab 'single' "double" \`tick\` nul\0 é ü 中文 😀 \u2028 {'k':'v'} ['a'] %_ ;DROP TABLE x;--`;

test('a message with tabs, newlines, backslashes, quotes and unicode round-trips exactly', async () => {
  await restart({ bufferSize: 2 });
  const row = log({
    org: 'escape',
    message: NASTY,
    variables: [NASTY, '', "'", '\\'],
    metadata: { [NASTY]: NASTY, empty: '' },
    templateId: 7,
  });
  store.writer.enqueue([row, log({ org: 'escape', message: '', timestamp: row.timestamp - 1 })]);
  assert.equal(await store.writer.flushed(), true);
  const page = await store.queryLogs({ org: 'escape', limit: 10 });
  // The empty message is stored, but reads as a count-only stub (model/curation.ts), not a line.
  assert.equal(page.logs.length, 1);
  const got = page.logs[0];
  assert.equal(got?.message, NASTY);
  assert.deepEqual(got?.variables, row.variables);
  assert.deepEqual(got?.metadata, row.metadata);
  assert.equal(got?.timestamp, new Date(row.timestamp).toISOString());
  const stored = await store.client.query({
    query: `SELECT count() AS n FROM ${db}.logs WHERE org = 'escape' AND message = ''`,
    format: 'JSONEachRow',
  });
  assert.deepEqual(await stored.json(), [{ n: 1 }]);
});

test('every insert format encodes the same strings exactly', async () => {
  const table = `${db}.logs (${LOG_COLUMNS.join(', ')})`;
  for (const format of ['TabSeparated', 'JSONCompactEachRow', 'JSONEachRow'] as InsertFormat[]) {
    const org = `format-${format}`;
    await insertEncoded(
      store.client,
      table,
      format,
      encodeLogs([log({ org, message: NASTY, variables: [NASTY] })], format),
      '',
    );
    const [got] = (await store.queryLogs({ org, limit: 1 })).logs;
    assert.equal(got?.message, NASTY, format);
    assert.deepEqual(got?.variables, [NASTY], format);
  }
});

test('a batch is flushed when the buffer reaches bufferSize', async () => {
  await restart({ bufferSize: 5, flushIntervalSecs: 3600 });
  store.writer.enqueue([1, 2, 3, 4].map((i) => log({ org: 'size', message: `m${i}` })));
  assert.equal(store.writer.stats().bufferedRows, 4);
  store.writer.enqueue([log({ org: 'size', message: 'm5' })]);
  assert.equal(await store.writer.flushed(), true);
  assert.equal(await count(store, `org = 'size'`), 5);
  assert.equal(store.writer.stats().flushes, 1);
  assert.equal(store.writer.stats().flushedRows, 5);
});

test('a partial batch is flushed when the interval passes', async () => {
  await restart({ bufferSize: 1000, flushIntervalSecs: 0.05 });
  store.writer.enqueue([log({ org: 'interval' })]);
  await waitFor(() => store.writer.stats().flushes === 1, 'the interval flush');
  assert.equal(await count(store, `org = 'interval'`), 1);
});

test('stop() drains what is buffered; the ceiling is reported by hasRoomFor', async () => {
  await restart({ bufferSize: 1000, flushIntervalSecs: 3600, bufferMaxRows: 1000 });
  store.writer.enqueue(Array.from({ length: 600 }, (_, i) => log({ org: 'drain', message: `d${i}` })));
  assert.equal(store.writer.hasRoomFor(400), true);
  assert.equal(store.writer.hasRoomFor(401), false);
  // The writer takes rows beyond the ceiling all the same: refusing is the caller's job.
  store.writer.enqueue(Array.from({ length: 500 }, () => log({ org: 'drain' })));
  const held = store.writer.stats();
  assert.equal(held.bufferedRows + held.inFlightRows, 1100);
  assert.equal(store.writer.hasRoom(), false);
  assert.deepEqual(await store.stop(), { unwrittenRows: 0, unwrittenTemplates: 0 });
  store = await startStore(storage.config, { logger: silent });
  assert.equal(await count(store, `org = 'drain'`), 1100);
});

test('the same batch inserted twice with one dedup token is stored once', async () => {
  const rows = [log({ org: 'dedup', message: 'a' }), log({ org: 'dedup', message: 'b' })];
  const token = randomUUID();
  await store.insertBatch(rows, token);
  await store.insertBatch(rows, token);
  assert.equal(await count(store, `org = 'dedup'`), 2);
  await store.insertBatch(rows, randomUUID());
  assert.equal(await count(store, `org = 'dedup'`), 4);
});

test('while the table is away flushes fail and retry; after it returns every row lands once', async () => {
  const flushes: boolean[] = [];
  await store.stop();
  store = await startStore(
    {
      ...storage.config,
      bufferSize: 50,
      flushIntervalSecs: 0.02,
      retryInitialBackoffMs: 10,
      retryMaxBackoffMs: 50,
    },
    { logger: silent, onFlush: (_rows, _ms, ok) => flushes.push(ok) },
  );
  await store.client.command({ query: `DETACH TABLE ${db}.logs` });
  const rows = Array.from({ length: 130 }, (_, i) => log({ org: 'outage', message: `o${i}`, templateId: 9 }));
  store.writer.enqueue(rows);
  await waitFor(() => store.writer.stats().writeErrors >= 3, 'failed attempts');

  const stats = store.writer.stats();
  assert.equal(stats.failing, true);
  assert.match(stats.lastError ?? '', /logs/);
  assert.equal(stats.bufferedRows + stats.inFlightRows, 130, 'no row dropped');
  const health = await store.health();
  assert.equal(health.connected, true);
  assert.match(health.reason ?? '', /writes are failing/);
  assert.ok(flushes.includes(false));

  await store.client.command({ query: `ATTACH TABLE ${db}.logs` });
  assert.equal(await store.writer.flushed(), true);
  assert.equal(store.writer.stats().failing, false);
  assert.deepEqual(await store.health(), { connected: true });
  assert.equal(await count(store, `org = 'outage'`), 130);
  assert.equal(await count(store, `org = 'outage'`), new Set(rows.map((r) => r.message)).size);
  const [summary] = await store.listTemplates('outage');
  assert.equal(summary, undefined, 'no template saved for the org, so none listed');
  const stats2 = await store.client.query({
    query: `SELECT sum(count) AS n FROM ${db}.template_stats WHERE org = 'outage'`,
    format: 'JSONEachRow',
  });
  assert.equal(Number((await stats2.json<{ n: string }>())[0]?.n), 130);
});

test('flush() writes a partial batch without waiting for the interval', async () => {
  await restart({ bufferSize: 1000, flushIntervalSecs: 3600 });
  store.writer.enqueue([log({ org: 'flush-now' }), log({ org: 'flush-now' })]);
  assert.equal(await store.writer.flush(), true);
  assert.equal(await count(store, `org = 'flush-now'`), 2);
});

/** `rows` rows of one request as the request path encodes them: one entry (model/insert-entry.ts). */
function entryOf(org: string, rows: number, from: number): InsertEntry {
  let text = '';
  const ids = newRowIds(rows);
  for (let i = 0; i < rows; i++) text += encodeInsertLine(log({ org, message: `e${from + i}`, id: ids[i]! }));
  return { lines: text, rows, walSegment: 0 };
}

test('an entry that passes an insert of 20,000 rows is cut: its rows go in two inserts, each stored once', async () => {
  const inserts: number[] = [];
  await store.stop();
  store = await startStore(
    { ...storage.config, bufferSize: 1000, bufferMaxRows: 100_000 },
    { logger: silent, onFlush: (rows, _ms, ok) => ok && inserts.push(rows) },
  );
  // Two requests of 12,000 logs, buffered before the insert starts: 24,000 rows.
  store.writer.enqueueEntries([entryOf('cut', 12_000, 0), entryOf('cut', 12_000, 12_000)]);
  assert.equal(await store.writer.flushed(), true);
  assert.deepEqual(inserts, [20_000, 4_000]);
  assert.equal(await count(store, `org = 'cut'`), 24_000);
  const distinct = await store.client.query({
    query: `SELECT uniqExact(message) AS messages, uniqExact(id) AS ids FROM ${db}.logs WHERE org = 'cut'`,
    format: 'JSONEachRow',
  });
  assert.deepEqual(await distinct.json(), [{ messages: 24_000, ids: 24_000 }]);
});

test('a batch of several entries that fails while the table is away is stored once when it returns', async () => {
  await store.stop();
  store = await startStore(
    { ...storage.config, bufferSize: 30, retryInitialBackoffMs: 10, retryMaxBackoffMs: 50 },
    { logger: silent },
  );
  await store.client.command({ query: `DETACH TABLE ${db}.logs` });
  store.writer.enqueueEntries([entryOf('entries-outage', 10, 0), entryOf('entries-outage', 20, 10)]);
  await waitFor(() => store.writer.stats().writeErrors >= 2, 'failed attempts');
  assert.equal(store.writer.stats().inFlightRows, 30, 'the two entries are one batch, retried');
  await store.client.command({ query: `ATTACH TABLE ${db}.logs` });
  assert.equal(await store.writer.flushed(), true);
  assert.equal(await count(store, `org = 'entries-outage'`), 30);
});
