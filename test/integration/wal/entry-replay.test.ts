// A crash between the two inserts of a cut entry (model/insert-entry.ts): the first insert
// stored part of a request, the rest was only in the write buffer. The restart's replay must
// store the rest, and nothing twice, then delete the segment. Real write-ahead log, real
// embedded engine, in this process (the crash is a store stopped with no time to write).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { createLogger } from '../../../src/logger.ts';
import { toStoredLog } from '../../../src/match/stage.ts';
import type { InsertEntry } from '../../../src/model/insert-entry.ts';
import { newRowIds } from '../../../src/model/row-id.ts';
import { startStore } from '../../../src/store/stage.ts';
import { encodeInsertLine } from '../../../src/store/format.ts';
import { recordHead } from '../../../src/wal/codec.ts';
import { replayWal } from '../../../src/wal/replay.ts';
import { WriteAheadLog } from '../../../src/wal/wal.ts';
import { count, log, silent, tempStorage } from '../store/helpers.ts';

const storage = tempStorage('entry-replay');
const walDir = fs.mkdtempSync(path.join(os.tmpdir(), 'entry-replay-wal-'));
after(() => {
  storage.cleanup();
  fs.rmSync(walDir, { recursive: true, force: true });
});

const openWal = () =>
  WriteAheadLog.open({
    dir: walDir,
    sync: 'write',
    maxBytes: 256 * 1024 * 1024,
    segmentBytes: 64 * 1024 * 1024,
    retryAfterSecs: 1,
    logger: createLogger('silent'),
  });

/** A request of `rows` matched logs, as wal/stage.ts records and sends it on: its entry. */
function request(rows: number, from: number): InsertEntry {
  const ids = newRowIds(rows);
  let text = '';
  for (let i = 0; i < rows; i++) {
    text += encodeInsertLine(log({ org: 'replay-cut', message: `r${from + i}`, templateId: 5, id: ids[i]! }));
  }
  return { lines: text, rows, walSegment: 0 };
}

it('a crash between the two inserts of a cut entry: the restart stores the rest, each log once', async () => {
  const wal = openWal();
  const entries = [request(15_000, 0), request(15_000, 15_000)];
  for (const entry of entries) await wal.append(recordHead([]), [entry.lines], [[entry]], entry.rows);
  const released: number[] = [];
  // Inserts of up to 25,000 rows (CLICKHOUSE_BUFFER_SIZE): the first takes the first request
  // and 10,000 rows of the second; the other 5,000 wait for the interval, which never comes.
  const before = await startStore(
    { ...storage.config, bufferSize: 25_000, bufferMaxRows: 100_000 },
    {
      logger: silent,
      onStored: (stored) => {
        for (const entry of stored) {
          released.push(entry.rows);
          wal.releaseRows(entry.walSegment ?? 0, entry.rows);
        }
      },
    },
  );
  before.writer.enqueueEntries(entries);
  while (before.writer.stats().flushes === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(released, [15_000, 10_000], 'the first request and part of the second released');
  assert.equal(await count(before, `org = 'replay-cut'`), 25_000);
  // The crash: nothing more is written, and the segment is left behind.
  assert.deepEqual(await before.stop(Date.now()), { unwrittenRows: 5_000, unwrittenTemplates: 0 });
  await wal.close();

  const again = openWal();
  const store = await startStore(storage.config, {
    logger: silent,
    onStored: (stored) => {
      for (const entry of stored) again.releaseRows(entry.walSegment ?? 0, entry.rows);
    },
  });
  const totals = await replayWal(again, {
    storedIds: (logs, since) => store.storedIds(logs, since),
    // As the match stage would send them on: the replayed logs matched their template again.
    route: (logs) => store.writer.enqueue(logs.map((l) => toStoredLog(l, { templateId: 5, variables: [] }))),
    hasRoom: () => store.writer.hasRoom(),
    flushed: () => store.writer.flush(),
    logger: silent,
    signal: new AbortController().signal,
  });
  assert.deepEqual(totals, { segments: 1, replayed: 5_000, alreadyStored: 25_000 });
  const stored = await store.client.query({
    query: `SELECT count() AS n, uniqExact(id) AS ids, uniqExact(message) AS messages
FROM ${store.database}.logs WHERE org = 'replay-cut'`,
    format: 'JSONEachRow',
  });
  assert.deepEqual(await stored.json(), [{ n: 30_000, ids: 30_000, messages: 30_000 }]);
  await store.stop();
  assert.deepEqual(
    fs.readdirSync(walDir).filter((file) => file.endsWith('.wal')).length,
    1,
    'the leftover segment is deleted once all of it is stored; the new one stays open',
  );
  await again.close();
});
