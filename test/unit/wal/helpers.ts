// What the write-ahead-log unit tests share: a log on a temporary folder, and logs to append.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'node:test';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, WalTag } from '../../../src/model/log.ts';
import { newRowIds } from '../../../src/model/row-id.ts';
import { WriteAheadLog, type WalOptions } from '../../../src/wal/wal.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A folder removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wal-'));
  dirs.push(dir);
  return dir;
}

export function openWal(dir: string, options: Partial<WalOptions> = {}): WriteAheadLog {
  return WriteAheadLog.open({
    dir,
    sync: 'write',
    maxBytes: 64 * 1024 * 1024,
    segmentBytes: 16 * 1024 * 1024,
    retryAfterSecs: 1,
    logger: createLogger('silent'),
    ...options,
  });
}

/** `n` accepted logs with their row ids; `text` starts each message. */
export function walLogs(n: number, text = 'user logged in'): (LogRecord & WalTag)[] {
  return newRowIds(n).map((id, i) => ({
    timestamp: 1_700_000_000_000 + i,
    org: 'acme',
    dashboard: '',
    service: 'api',
    host: '',
    level: 'INFO',
    message: `${text} ${i} ✓`,
    metadata: { k: `v${i}` },
    id,
  }));
}
