import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BadRequestError } from '../../../src/errors.ts';
import type { StoredLog } from '../../../src/model/log.ts';
import { startStore, type LogView, type Store } from '../../../src/store/stage.ts';
import { log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-queries');
let store: Store;
const T0 = Date.UTC(2030, 5, 1, 10, 0, 0, 0);

before(async () => {
  store = await startStore({ ...storage.config, flushIntervalSecs: 0.02 }, { logger: silent });
});
after(async () => {
  await store.stop();
  storage.cleanup();
});

async function write(rows: StoredLog[]): Promise<void> {
  store.writer.enqueue(rows);
  assert.equal(await store.writer.flushed(), true);
}

async function allPages(query: Parameters<Store['queryLogs']>[0]): Promise<LogView[]> {
  const seen: LogView[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.queryLogs({ ...query, cursor });
    seen.push(...page.logs);
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

test('listTemplates gives each template its count, first and last seen, and current text', async () => {
  store.saveTemplates([
    { id: 11, org: 'lt', text: 'old text <*>', source: 'builtin', createdAt: T0, updatedAt: T0 },
    { id: 12, org: 'lt', text: 'other <*>', source: 'openai', createdAt: T0, updatedAt: T0 },
    { id: 13, org: 'lt', text: 'never seen', source: 'builtin', createdAt: T0, updatedAt: T0 },
    { id: 11, org: 'someone-else', text: 'not mine', source: 'builtin', createdAt: T0, updatedAt: T0 },
  ]);
  store.saveTemplates([
    { id: 11, org: 'lt', text: 'refined <*>', source: 'builtin', createdAt: T0, updatedAt: T0 + 1 },
  ]);
  assert.equal(await store.templatesSaved(), true);
  await write([
    log({ org: 'lt', templateId: 11, timestamp: T0 + 5 }),
    log({ org: 'lt', templateId: 11, timestamp: T0 + 1 }),
    log({ org: 'lt', templateId: 11, timestamp: T0 + 9 }),
    log({ org: 'lt', templateId: 12, timestamp: T0 + 3 }),
    log({ org: 'someone-else', templateId: 11, timestamp: T0 }),
  ]);
  const list = await store.listTemplates('lt');
  assert.deepEqual(
    list.map((t) => [t.id, t.template, t.count, t.first_seen, t.last_seen, t.source]),
    [
      [11, 'refined <*>', 3, new Date(T0 + 1).toISOString(), new Date(T0 + 9).toISOString(), 'builtin'],
      [12, 'other <*>', 1, new Date(T0 + 3).toISOString(), new Date(T0 + 3).toISOString(), 'openai'],
      [13, 'never seen', 0, null, null, 'builtin'],
    ],
  );
  assert.equal(list[0]?.updated_at, new Date(T0 + 1).toISOString());
  const [row] = (await store.queryLogs({ org: 'lt', templateId: 11, limit: 1 })).logs;
  assert.equal(row?.template, 'refined <*>');
});

test('queryLogs filters by template, time range and text, newest first', async () => {
  const org = 'filters';
  await write([
    log({ org, timestamp: T0 + 1000, templateId: 1, message: 'Connection timeout after 5s to db-1' }),
    log({ org, timestamp: T0 + 2000, templateId: 1, message: 'Connection TIMEOUT after 7s to db-2' }),
    log({ org, timestamp: T0 + 3000, templateId: 2, message: 'User alice logged in' }),
    log({ org, timestamp: T0 + 4000, templateId: 0, message: 'disk full on /var/lib' }),
    log({
      org: 'filters-other',
      timestamp: T0 + 5000,
      templateId: 1,
      message: 'Connection timeout after 5s',
    }),
  ]);
  const messages = async (q: Partial<Parameters<Store['queryLogs']>[0]>) =>
    (await store.queryLogs({ org, limit: 100, ...q })).logs.map((l) => l.message);

  assert.deepEqual(await messages({}), [
    'disk full on /var/lib',
    'User alice logged in',
    'Connection TIMEOUT after 7s to db-2',
    'Connection timeout after 5s to db-1',
  ]);
  assert.deepEqual(await messages({ templateId: 1 }), [
    'Connection TIMEOUT after 7s to db-2',
    'Connection timeout after 5s to db-1',
  ]);
  assert.deepEqual(await messages({ templateId: 0 }), ['disk full on /var/lib']);
  assert.deepEqual(await messages({ from: T0 + 2000, to: T0 + 3000 }), [
    'User alice logged in',
    'Connection TIMEOUT after 7s to db-2',
  ]);
  // Case-insensitive substring: whole words, words cut at either end, punctuation.
  assert.deepEqual(await messages({ q: 'timeout after' }), [
    'Connection TIMEOUT after 7s to db-2',
    'Connection timeout after 5s to db-1',
  ]);
  assert.deepEqual(await messages({ q: 'imeou' }), [
    'Connection TIMEOUT after 7s to db-2',
    'Connection timeout after 5s to db-1',
  ]);
  assert.deepEqual(await messages({ q: 'after 5s to db' }), ['Connection timeout after 5s to db-1']);
  assert.deepEqual(await messages({ q: '/var/l' }), ['disk full on /var/lib']);
  assert.deepEqual(await messages({ q: 'timeout  after' }), [], 'two spaces are not in any message');
  assert.deepEqual(await messages({ q: 'alice', templateId: 1 }), []);

  const [first] = (await store.queryLogs({ org, limit: 1, templateId: 0 })).logs;
  assert.equal(first?.template, null);
  assert.equal(first?.timestamp, new Date(T0 + 4000).toISOString());
});

test('a q with quotes, backslashes and SQL is a bound value that finds its rows', async () => {
  const org = 'injection';
  const tricky = `it's a "quote" \\ back\\slash '); DROP TABLE logs; -- %_`;
  await write([
    log({ org, message: `before ${tricky} after`, timestamp: T0 + 1 }),
    log({ org, message: 'its a quote back slash DROP TABLE logs', timestamp: T0 + 2 }),
    log({ org, message: '100% sure_thing', timestamp: T0 + 3 }),
  ]);
  const found = await store.queryLogs({ org, limit: 10, q: tricky });
  assert.deepEqual(
    found.logs.map((l) => l.message),
    [`before ${tricky} after`],
  );
  assert.deepEqual(
    (await store.queryLogs({ org, limit: 10, q: '%' })).logs.length,
    2,
    '% is literal, not a wildcard',
  );
  assert.deepEqual(
    (await store.queryLogs({ org, limit: 10, q: '0% s' })).logs.map((l) => l.message),
    ['100% sure_thing'],
  );
  assert.equal((await store.queryLogs({ org: `x' OR '1'='1`, limit: 10 })).logs.length, 0);
});

test('pagination over many equal timestamps neither skips nor repeats a row', async () => {
  const org = 'pages';
  const rows: StoredLog[] = [];
  for (let i = 0; i < 250; i++) rows.push(log({ org, timestamp: T0, message: `same-${i}` }));
  for (let i = 0; i < 30; i++) rows.push(log({ org, timestamp: T0 + 1 + (i % 3), message: `later-${i}` }));
  for (let i = 0; i < 20; i++) rows.push(log({ org, timestamp: T0 - 1, message: `earlier-${i}` }));
  await write(rows);

  for (const limit of [1, 7, 100, 300]) {
    const seen = await allPages({ org, limit });
    assert.equal(seen.length, 300, `limit ${limit}`);
    assert.equal(new Set(seen.map((l) => l.message)).size, 300, `no duplicates at limit ${limit}`);
    const times = seen.map((l) => Date.parse(l.timestamp));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
      `newest first at limit ${limit}`,
    );
  }
  // Filters hold across pages too.
  const filtered = await allPages({ org, limit: 9, q: 'same-1', from: T0, to: T0 });
  assert.equal(filtered.length, 1 + 10 + 100);
});

test('a cursor that this endpoint did not make is a 400, not a crash', async () => {
  for (const cursor of [
    'nonsense',
    Buffer.from('[1,"x"]').toString('base64url'),
    Buffer.from('[1,"99999999999999999999"]').toString('base64url'),
  ]) {
    await assert.rejects(
      store.queryLogs({ org: 'pages', limit: 5, cursor }),
      (err: unknown) => err instanceof BadRequestError && err.code === 'INVALID_CURSOR',
    );
  }
});
