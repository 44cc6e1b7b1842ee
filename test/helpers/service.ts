import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startStandalone, type RunningService } from '../../src/roles/standalone.ts';

export interface TestService {
  service: RunningService;
  dataDir: string;
  /** Base URL of the real socket the service listens on. */
  url: string;
  /** Writes every buffered row now, so reads see what was accepted. */
  flush(): Promise<void>;
  /** Stops the service (draining everything); the data folder stays. */
  stop(): Promise<void>;
  /** Stops and deletes the data folder. */
  destroy(): Promise<void>;
}

/** A temporary data folder for one test file (the embedded engine allows one per process). */
export async function makeDataDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'log-ingest-test-'));
}

/** The standalone service on the real embedded engine, on a free loopback port. */
export async function startTestService(
  env: Record<string, string> = {},
  dataDir?: string,
): Promise<TestService> {
  const dir = dataDir ?? (await makeDataDir());
  const config = loadConfig({
    DATA_DIR: dir,
    INGEST_PORT: '0',
    INGEST_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const service = await startStandalone(config, createLogger(config.logLevel));
  // With API keys configured, /stats needs one with the read scope.
  const statsKey = config.auth.keys.find((k) => k.scopes.includes('read'))?.key;
  const statsHeaders: Record<string, string> =
    statsKey === undefined ? {} : { authorization: `Bearer ${statsKey}` };
  // A data folder used before may hold write-ahead-log segments: ready once they are replayed.
  await eventually(async () => {
    const res = await service.app.inject({ url: '/health' });
    return res.statusCode === 503 && /replaying/.test(res.body) ? undefined : true;
  }, 'the write-ahead log replay');
  const address = service.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await service.stop();
  };
  return {
    service,
    dataDir: dir,
    url: `http://127.0.0.1:${port}`,
    async flush() {
      // Unmatched logs reach the writer after template generation: wait for that queue first.
      await eventually(async () => {
        const stats = (await service.app.inject({ url: '/stats', headers: statsHeaders })).json<{
          queues: { unmatched: number };
        }>();
        return stats.queues.unmatched === 0 ? true : undefined;
      }, 'the unmatched queue to drain');
      await service.store.writer.flush();
      await service.store.templatesSaved();
    },
    stop,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value or the deadline passes (for work done in the background). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Every stored log of `org` (up to 1,000), once the service has flushed, oldest first (equal
 * times by message): what a test of a way in compares with what it sent.
 */
export async function storedInOrder<T extends { timestamp: string; message: string }>(
  t: TestService,
  org: string,
): Promise<T[]> {
  await t.flush();
  const res = await fetch(`${t.url}/logs?org=${encodeURIComponent(org)}&limit=1000`);
  return ((await res.json()) as { logs: T[] }).logs.sort((a, b) =>
    a.timestamp === b.timestamp ? a.message.localeCompare(b.message) : a.timestamp.localeCompare(b.timestamp),
  );
}

/** POST /logs/ingest of a batch, as JSON. */
export async function postLogs(url: string, logs: readonly object[]): Promise<Response> {
  return fetch(`${url}/logs/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ logs }),
  });
}
