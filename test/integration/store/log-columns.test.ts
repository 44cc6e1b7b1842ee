/**
 * The migrations' SQL cannot be derived from the field declaration (an applied migration is never
 * edited), so the logs table they create is compared with it, and a log is read back through
 * GET /logs' query to see every field the read API serves.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LOG_FIELDS, LOG_TABLE_ONLY_COLUMNS, type LogField } from '../../../src/model/log-fields.ts';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-columns');
const db = storage.config.database;
const FIELDS = Object.entries(LOG_FIELDS) as Array<[string, LogField]>;
let store: Store;

before(async () => {
  // A short flush interval: the read test waits for its log to be written.
  store = await startStore({ ...storage.config, flushIntervalSecs: 0.02 }, { logger: silent });
});
after(async () => {
  await store.stop();
  storage.cleanup();
});

test('the logs table the migrations create has the declared columns, types and order', async () => {
  const result = await store.client.query({
    query: `SELECT name, type, position, default_kind, default_expression FROM system.columns
WHERE database = {db:String} AND table = 'logs' ORDER BY position`,
    format: 'JSONEachRow',
    query_params: { db },
  });
  const actual = (await result.json<Record<string, string | number>>()).map((column) => ({
    ...column,
    position: Number(column['position']),
  }));
  const declared = [
    ...FIELDS.map(([, field]) => ({ ...field.column, default_kind: '', default_expression: '' })),
    ...LOG_TABLE_ONLY_COLUMNS.map(({ default: expression, ...column }) => ({
      ...column,
      default_kind: 'DEFAULT',
      default_expression: expression,
    })),
  ].sort((a, b) => a.position - b.position);
  assert.deepEqual(actual, declared);
});

test('a stored log reads back with every field the read API serves', async () => {
  const row = log({
    org: 'columns',
    dashboard: 'd',
    service: 's',
    host: 'h',
    level: 'WARN',
    message: 'disk 91% full',
    metadata: { k: 'v' },
    templateId: 77,
    variables: ['91'],
  });
  store.writer.enqueue([row]);
  assert.equal(await store.writer.flushed(), true);
  const { logs } = await store.queryLogs({ org: 'columns', limit: 10 });
  assert.equal(logs.length, 1);
  const view = { ...logs[0] } as Record<string, unknown>;
  const served = FIELDS.filter(([, field]) => field.read !== null);
  assert.deepEqual(
    Object.keys(view).sort(),
    [...served.map(([name, field]) => field.read ?? name), 'template'].sort(),
  );
  for (const [name, field] of served) {
    const value = row[name as keyof typeof row];
    // The read API writes times as ISO 8601, and why a log has no template only when it has
    // none; every other field as stored.
    const want =
      name === 'timestamp'
        ? new Date(value as number).toISOString()
        : name === 'untemplatedReason'
          ? null
          : value;
    assert.deepEqual(view[field.read ?? name], want, name);
  }
});
