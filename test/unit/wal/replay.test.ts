import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, WalTag } from '../../../src/model/log.ts';
import { recordHead } from '../../../src/wal/codec.ts';
import { replayWal } from '../../../src/wal/replay.ts';
import { openWal, tempDir, walLogs } from './helpers.ts';

const open = openWal;
const logs = walLogs;

describe('write-ahead log replay', () => {
  it('sends on only what storage lacks, waits for storage that does not answer yet, and deletes the segment once all is stored', async () => {
    const dir = tempDir();
    const before = open(dir);
    const accepted = logs(30);
    await before.append(recordHead(accepted), [], [accepted], accepted.length);
    // Crash: the first ten were inserted, the segment not yet deleted.
    const stored = new Set(accepted.slice(0, 10).map((log) => log.id!));

    const wal = open(dir);
    const routed: (LogRecord & WalTag)[] = [];
    let asked = 0;
    const totals = await replayWal(wal, {
      storedIds: (chunk) => {
        asked++;
        if (asked === 1) return Promise.reject(new Error('storage is starting'));
        return Promise.resolve(new Set(chunk.map((log) => log.id!).filter((id) => stored.has(id))));
      },
      route: (chunk) => routed.push(...chunk),
      hasRoom: () => true,
      flushed: () => Promise.resolve(true),
      logger: createLogger('silent'),
      signal: new AbortController().signal,
    });
    assert.equal(asked, 2, 'asked again after storage failed');
    assert.deepEqual(totals, { segments: 1, replayed: 20, alreadyStored: 10 });
    assert.deepEqual(
      routed.map((log) => log.id),
      accepted.slice(10).map((log) => log.id),
    );
    assert.equal(wal.stats().replayedRows, 20);
    const oldSegment = routed[0]!.walSegment!;
    assert.ok(fs.existsSync(path.join(dir, `${String(oldSegment).padStart(20, '0')}.wal`)));
    // The replayed logs are stored: the old segment goes.
    wal.release(routed);
    assert.ok(!fs.existsSync(path.join(dir, `${String(oldSegment).padStart(20, '0')}.wal`)));
    await wal.close();
  });
});
