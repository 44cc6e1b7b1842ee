import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Config } from '../../../src/config.ts';
import type { StoredLog } from '../../../src/model/log.ts';
import type { Store } from '../../../src/store/stage.ts';

export const silent = pino({ level: process.env['STORE_TEST_LOG'] ?? 'silent' });

/** One temp DATA_DIR and one database per test file: the embedded engine binds one path per process. */
export function tempStorage(prefix: string): { config: Config['clickhouse']; cleanup(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    config: {
      url: undefined,
      user: 'default',
      password: '',
      database: `${prefix.replace(/\W/g, '_')}_db`,
      dataDir,
      bufferSize: 1000,
      flushIntervalSecs: 3600,
      bufferMaxRows: 10_000,
      retentionDays: 30,
      retryInitialBackoffMs: 20,
      retryMaxBackoffMs: 200,
      discardLogs: false,
      embedded: { cacheMb: 0, maxMemoryMb: 0, dirtyDecayMs: 0 },
    },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export function log(overrides: Partial<StoredLog> = {}): StoredLog {
  return {
    timestamp: Date.UTC(2030, 0, 1, 12, 0, 0, 0),
    org: 'acme',
    dashboard: 'main',
    service: 'api',
    host: 'web-1',
    level: 'INFO',
    message: 'hello',
    metadata: {},
    templateId: 0,
    variables: [],
    untemplatedReason: '',
    ...overrides,
  };
}

export async function count(
  store: Store,
  where: string,
  params: Record<string, unknown> = {},
): Promise<number> {
  const result = await store.client.query({
    query: `SELECT count() AS n FROM ${store.database}.logs WHERE ${where}`,
    format: 'JSONEachRow',
    query_params: params,
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

/** Polls until the condition holds; the generous limit is a hang guard, not a timing assertion. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 20_000,
): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
