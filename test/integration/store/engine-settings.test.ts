import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { count, log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-engine-settings');
after(() => storage.cleanup());

async function serverSettings(store: Store): Promise<Record<string, number>> {
  const result = await store.client.query({
    query: `SELECT name, value FROM system.server_settings
      WHERE name IN ('mark_cache_size', 'primary_index_cache_size', 'text_index_postings_cache_size', 'max_server_memory_usage', 'max_thread_pool_free_size')`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ name: string; value: string }>();
  return Object.fromEntries(rows.map((row) => [row.name, Number(row.value)]));
}

test('the embedded engine takes its cache and memory ceilings from the config, and stores as before', async () => {
  const store = await startStore(
    { ...storage.config, embedded: { cacheMb: 32, maxMemoryMb: 700, dirtyDecayMs: 0 } },
    { logger: silent },
  );
  try {
    const mb = 1024 * 1024;
    assert.deepEqual(await serverSettings(store), {
      mark_cache_size: 32 * mb,
      primary_index_cache_size: 32 * mb,
      text_index_postings_cache_size: 32 * mb,
      max_server_memory_usage: 700 * mb,
      // Always ours: idle engine threads beyond it exit (store/client.ts).
      max_thread_pool_free_size: 16,
    });
    store.writer.enqueue([log({ message: 'with ceilings' })]);
    assert.equal(await store.writer.flush(), true);
    assert.equal(await count(store, `message = 'with ceilings'`), 1);
  } finally {
    await store.stop();
  }
});

/** The engine's allocator's options as it reports them (`opt.dirty_decay_ms: 0`), by name. */
async function allocatorOptions(store: Store): Promise<Record<string, string>> {
  const result = await store.client.query({
    query: 'SELECT stats FROM system.jemalloc_stats',
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ stats: string }>();
  const options: Record<string, string> = {};
  for (const m of (row?.stats ?? '').matchAll(/^\s+opt\.(\w+): (\S+)/gm)) options[m[1]!] = m[2]!;
  return options;
}

test("the engine's allocator gives freed pages back as configured (CLICKHOUSE_EMBEDDED_DIRTY_DECAY_MS)", async () => {
  // The allocator reads its options when the engine loads, once per process: this test file's
  // stores all load it with the settings of the first one (dirtyDecayMs: 0, above or here).
  const store = await startStore(storage.config, { logger: silent });
  try {
    const options = await allocatorOptions(store);
    assert.equal(options['dirty_decay_ms'], '0');
    // The rest stays the engine's own: freed pages that have been given back are not kept either.
    assert.equal(options['muzzy_decay_ms'], '0');
  } finally {
    await store.stop();
  }
});

test('0 leaves the engine its own defaults, and a restart takes the settings given then', async () => {
  const store = await startStore(storage.config, { logger: silent });
  try {
    const settings = await serverSettings(store);
    // The engine's own: 5 GiB per cache, most of the machine's memory in all.
    assert.equal(settings['mark_cache_size'], 5 * 1024 ** 3);
    assert.notEqual(settings['max_server_memory_usage'], 700 * 1024 * 1024);
    assert.equal(settings['max_thread_pool_free_size'], 16);
    assert.equal(await count(store, `message = 'with ceilings'`), 1);
  } finally {
    await store.stop();
  }
});
