import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startStore } from '../../src/store/stage.ts';
import { freePort, spawnService, waitUntilUp } from '../helpers/process.ts';
import { makeDataDir } from '../helpers/service.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the service process', () => {
  it('exits non-zero naming the variable when configuration is bad', async () => {
    const proc = spawnService({ INGEST_PORT: 'eighty', DATA_DIR: '/nonexistent' });
    assert.notEqual(await proc.exited, 0);
    assert.match(proc.stderr(), /INGEST_PORT/);
  });

  it('on SIGTERM stops accepting, stores everything it accepted, exits 0, and keeps templates for the next start', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    // A long flush interval: what reaches storage is what the shutdown drained.
    const env = {
      DATA_DIR: dataDir,
      INGEST_PORT: String(await freePort()),
      CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    };
    const proc = spawnService(env);
    await waitUntilUp(proc.url, proc.exited);

    let accepted = 0;
    let sent = 0;
    const send = async (): Promise<void> => {
      const base = sent;
      sent += 100;
      const logs = Array.from({ length: 100 }, (_, i) => ({
        org: 'term',
        message:
          i % 4 === 0
            ? `Worker ${base + i} started on node-${i % 7}`
            : `Order ${base + i} shipped to zone ${i % 5}`,
      }));
      try {
        const res = await fetch(`${proc.url}/logs/ingest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ logs }),
        });
        if (res.status === 200) accepted += ((await res.json()) as { accepted: number }).accepted;
        else assert.equal(res.status, 503, 'refused only because it is stopping');
      } catch {
        // the socket closed during shutdown: nothing was accepted for this request
      }
    };
    for (let i = 0; i < 20; i++) await send();
    // Requests in flight while the signal arrives.
    const inFlight = Array.from({ length: 10 }, () => send());
    proc.child.kill('SIGTERM');
    await Promise.all(inFlight);
    assert.equal(await proc.exited, 0, proc.stderr());
    assert.ok(accepted >= 2000);

    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const store = await startStore(config.clickhouse, { logger: createLogger('silent') });
    try {
      const page = await store.queryLogs({
        org: 'term',
        limit: 10_000,
        templateId: undefined,
        q: undefined,
        from: undefined,
        to: undefined,
        cursor: undefined,
      });
      assert.equal(page.logs.length, accepted, 'every accepted log was stored, once');
      const templates = await store.listTemplates('term');
      assert.ok(templates.length >= 2);
    } finally {
      await store.stop();
    }

    const again = spawnService({ ...env, INGEST_PORT: String(await freePort()) });
    await waitUntilUp(again.url, again.exited);
    const health = (await (await fetch(`${again.url}/health`)).json()) as { templates_loaded: number };
    assert.ok(health.templates_loaded >= 2, 'templates were loaded from storage');
    again.child.kill('SIGINT');
    assert.equal(await again.exited, 0);
  });
});
