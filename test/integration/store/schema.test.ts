import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { StorageError } from '../../../src/errors.ts';
import { startStore } from '../../../src/store/stage.ts';
import { MIGRATIONS } from '../../../src/store/migrations/index.ts';
import { count, log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-schema');
after(() => storage.cleanup());
const db = storage.config.database;

test('migrations create the tables once, and a restart applies none again', async () => {
  const first = await startStore(storage.config, { logger: silent });
  await first.stop();
  const second = await startStore(storage.config, { logger: silent });
  try {
    const tables = await second.client.query({
      query: `SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name`,
      format: 'JSONEachRow',
      query_params: { db },
    });
    const names = (await tables.json<{ name: string }>()).map((row) => row.name);
    for (const name of ['logs', 'schema_migrations', 'template_stats', 'template_stats_mv', 'templates']) {
      assert.ok(names.includes(name), `${name} exists`);
    }
    const versions = await second.client.query({
      query: `SELECT version, count() AS n FROM ${db}.schema_migrations GROUP BY version ORDER BY version`,
      format: 'JSONEachRow',
    });
    assert.deepEqual(
      (await versions.json<{ version: number; n: string }>()).map((row) => [
        Number(row.version),
        Number(row.n),
      ]),
      MIGRATIONS.map((m) => [m.version, 1]),
    );
  } finally {
    await second.stop();
  }
});

test('logs and templates survive a stop and a start on the same data dir', async () => {
  const first = await startStore(storage.config, { logger: silent });
  first.writer.enqueue([
    log({ org: 'persist', message: 'kept 1' }),
    log({ org: 'persist', message: 'kept 2' }),
  ]);
  first.saveTemplates([
    {
      id: 42,
      org: 'persist',
      text: 'kept <*>',
      source: 'builtin',
      shapes: '1-1/1',
      createdAt: 1,
      updatedAt: 2,
    },
  ]);
  // stop() drains: the writer's interval (an hour) never fired.
  assert.deepEqual(await first.stop(), { unwrittenRows: 0, unwrittenTemplates: 0 });

  const second = await startStore(storage.config, { logger: silent });
  try {
    assert.equal(await count(second, `org = 'persist'`), 2);
    const templates = (await second.loadTemplates()).filter((t) => t.org === 'persist');
    assert.deepEqual(templates, [
      {
        id: 42,
        org: 'persist',
        text: 'kept <*>',
        source: 'builtin',
        shapes: '1-1/1',
        createdAt: 1,
        updatedAt: 2,
      },
    ]);
  } finally {
    await second.stop();
  }
});

test('a changed retention is applied to the logs table at start', async () => {
  const store = await startStore({ ...storage.config, retentionDays: 7 }, { logger: silent });
  try {
    const result = await store.client.query({
      query: `SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'logs'`,
      format: 'JSONEachRow',
      query_params: { db },
    });
    const [row] = await result.json<{ engine_full: string }>();
    assert.match(row?.engine_full ?? '', /toIntervalDay\(7\)/);
  } finally {
    await store.stop();
  }
});

test('startStore rejects with StorageError when the server cannot be reached', async () => {
  const { createServer } = await import('node:net');
  // A port that was just free and is closed again: connecting is refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  await assert.rejects(
    startStore({ ...storage.config, url: `http://127.0.0.1:${port}` }, { logger: silent }),
    (err: unknown) =>
      err instanceof StorageError && err.code === 'STORAGE_ERROR' && /unreachable/.test(err.message),
  );
});
