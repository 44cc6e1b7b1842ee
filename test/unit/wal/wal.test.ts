import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OverloadedError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, WalTag } from '../../../src/model/log.ts';
import { recordHead } from '../../../src/wal/codec.ts';
import { WAL_FORMAT, WalFormatError } from '../../../src/wal/format.ts';
import type { WriteAheadLog } from '../../../src/wal/wal.ts';
import { type WalIo } from '../../../src/wal/wal.ts';
import { openWal, tempDir, walLogs } from './helpers.ts';

/** Warnings the WAL logs, as objects (pino writes one JSON line each). */
function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: createLogger('info', stream), lines };
}

const open = openWal;
const logs = walLogs;

/** Every log the leftovers of a fresh open give back, without their segment tag. */
function leftoverLogs(wal: WriteAheadLog): LogRecord[] {
  const found: LogRecord[] = [];
  for (const segment of wal.leftovers()) {
    for (const log of segment.logs) {
      const { walSegment, ...rest } = log;
      assert.equal(walSegment, segment.seq);
      found.push(rest);
    }
  }
  return found;
}

/** One request's logs as the WAL stage appends them (here, none of them matched). */
function append(wal: WriteAheadLog, batch: (LogRecord & WalTag)[]): Promise<void> {
  return wal.append(recordHead(batch), [], [batch], batch.length);
}

/** Appends and waits until the record is written. */
async function written(wal: WriteAheadLog, batch: (LogRecord & WalTag)[]): Promise<void> {
  await append(wal, batch);
}

function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.wal'))
    .sort();
}

describe('write-ahead log', () => {
  it('gives back at the next open every log appended, with its fields and row id', async () => {
    const dir = tempDir();
    const wal = open(dir);
    const first = logs(3);
    const second = logs(2, 'disk full on');
    // Appended in the same turn of the event loop: written together, in one write call.
    await Promise.all([append(wal, first), append(wal, second)]);
    assert.equal(wal.stats().appends, 2);
    // A crash: the process is gone without closing anything.
    const again = open(dir);
    assert.deepEqual(
      leftoverLogs(again),
      [...first, ...second].map(({ walSegment: _, ...log }) => log),
    );
    await again.close();
  });

  it('deletes a segment once every log in it is stored, and keeps it until then', async () => {
    const dir = tempDir();
    const wal = open(dir, { segmentBytes: 16 * 1024 });
    const batches = Array.from({ length: 40 }, () => logs(20));
    for (const batch of batches) await written(wal, batch);
    const before = segmentFiles(dir);
    assert.ok(before.length > 2, `rotated into several segments: ${before.join(', ')}`);
    // All but the last batch stored: every segment but the active one is deleted.
    for (const batch of batches.slice(0, -1)) wal.release(batch);
    const after = segmentFiles(dir);
    assert.equal(after.length, 1);
    assert.equal(after[0], before.at(-1));
    assert.equal(wal.stats().segments, 1);
    // Half of the last batch stored: the rest is what the next start finds.
    const last = batches.at(-1)!;
    wal.release(last.slice(0, 10));
    await wal.close();
    const again = open(dir);
    // The segment is kept whole while any log in it is unstored (logs stored before it in the
    // same segment come back too; the replay finds them stored).
    const found = new Set(leftoverLogs(again).map((log) => log.id));
    for (const log of last) assert.ok(found.has(log.id), `log ${log.id} of the last batch is kept`);
    assert.ok(found.size < 40 * 20, 'the deleted segments are gone');
    await again.close();
  });

  it('refuses appends past INGEST_WAL_MAX_BYTES until stored segments are deleted', async () => {
    const dir = tempDir();
    const wal = open(dir, { maxBytes: 256 * 1024, segmentBytes: 64 * 1024 });
    const appended: (LogRecord & WalTag)[][] = [];
    while (wal.whyNoRoom() === undefined) {
      const batch = logs(50);
      await written(wal, batch);
      appended.push(batch);
    }
    assert.match(wal.whyNoRoom()!, /write-ahead log is full .*INGEST_WAL_MAX_BYTES 262144/);
    for (const batch of appended) wal.release(batch);
    assert.equal(wal.whyNoRoom(), undefined);
    assert.ok(wal.stats().bytes < 64 * 1024);
    await wal.close();
  });

  it('cuts a torn last record with a warning that counts it, and keeps the records before it', async () => {
    const dir = tempDir();
    const wal = open(dir);
    const kept = logs(5);
    await written(wal, kept);
    await written(wal, logs(5, 'torn'));
    const [file] = segmentFiles(dir);
    const full = path.join(dir, file!);
    // The crash came in the middle of the second record's write.
    fs.truncateSync(full, fs.statSync(full).size - 40);
    const { logger, lines } = captureLogger();
    const again = open(dir, { logger });
    assert.deepEqual(
      leftoverLogs(again).map((log) => log.message),
      kept.map((log) => log.message),
    );
    const warning = lines.find((line) => line['droppedRecords'] !== undefined);
    assert.ok(warning, 'a warning names the dropped record');
    assert.equal(warning['droppedRecords'], 1);
    assert.match(String(warning['why']), /torn record/);
    assert.equal(again.stats().droppedRecords, 1);
  });

  it('skips a record that fails its checksum and keeps the ones after it', async () => {
    const dir = tempDir();
    const wal = open(dir);
    const first = logs(2, 'first');
    const third = logs(2, 'third');
    await written(wal, first);
    await written(wal, logs(2, 'second'));
    await written(wal, third);
    const full = path.join(dir, segmentFiles(dir)[0]!);
    const bytes = fs.readFileSync(full);
    const at = bytes.indexOf('second');
    bytes[at] = 'S'.charCodeAt(0); // one flipped byte inside the second record's payload
    fs.writeFileSync(full, bytes);
    const { logger, lines } = captureLogger();
    const again = open(dir, { logger });
    assert.deepEqual(
      leftoverLogs(again).map((log) => log.message),
      [...first, ...third].map((log) => log.message),
    );
    assert.match(String(lines.find((line) => line['why'] !== undefined)?.['why']), /checksum/);
  });

  it('refuses to start on a segment of another format, saying what to do', async () => {
    const dir = tempDir();
    const wal = open(dir);
    await written(wal, logs(1));
    const full = path.join(dir, segmentFiles(dir)[0]!);
    const bytes = fs.readFileSync(full);
    bytes.writeUInt8(WAL_FORMAT + 1, 5);
    fs.writeFileSync(full, bytes);
    assert.throws(
      () => open(dir),
      (err: unknown) =>
        err instanceof WalFormatError &&
        err.message.includes(`format ${WAL_FORMAT + 1}`) &&
        err.message.includes(`reads format ${WAL_FORMAT}`),
    );
  });

  it('a failed write (ENOSPC) is refused with 503, leaves no bytes behind, and the next append works', async () => {
    const dir = tempDir();
    let full = false;
    let room = 0;
    const io: WalIo = {
      write(fd, buffer, position) {
        if (!full) return fs.writeSync(fd, buffer, 0, buffer.length, position);
        // The disk fills part-way: the first write takes what fits, the next one fails.
        if (room > 0) {
          const fits = buffer.subarray(0, room);
          room = 0;
          return fs.writeSync(fd, fits, 0, fits.length, position);
        }
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      fdatasync: () => Promise.resolve(),
    };
    const wal = open(dir, { io });
    const before = logs(3, 'before');
    await written(wal, before);
    const size = fs.statSync(path.join(dir, segmentFiles(dir)[0]!)).size;
    full = true;
    room = 20;
    const refused = logs(3, 'refused');
    await assert.rejects(
      append(wal, refused),
      (err: unknown) =>
        err instanceof OverloadedError && err.code === 'WAL_WRITE_FAILED' && /ENOSPC/.test(err.message),
    );
    assert.equal(refused[0]!.walSegment, undefined, 'a refused log is not tagged as held');
    assert.equal(fs.statSync(path.join(dir, segmentFiles(dir)[0]!)).size, size, 'the partial record is cut');
    assert.equal(wal.stats().writeErrors, 1);
    full = false;
    const after = logs(3, 'after');
    await append(wal, after);
    const again = open(dir);
    assert.deepEqual(
      leftoverLogs(again).map((log) => log.message),
      [...before, ...after].map((log) => log.message),
    );
    await wal.close();
  });

  it('fsync: an append resolves only after an fdatasync, and appends waiting together share one', async () => {
    const dir = tempDir();
    const pending: Array<() => void> = [];
    let calls = 0;
    const io: WalIo = {
      write: (fd, buffer, position) => fs.writeSync(fd, buffer, 0, buffer.length, position),
      fdatasync: () => {
        calls++;
        return new Promise((resolve) => pending.push(resolve));
      },
    };
    const wal = open(dir, { sync: 'fsync', io });
    const done: string[] = [];
    // Three requests read in the same turn of the event loop share the first fdatasync.
    const first = [1, 2, 3].map((i) => append(wal, logs(1)).then(() => done.push(`first ${i}`)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1);
    // Four more arrive while it runs: they wait for the next one, together.
    const rest = [1, 2, 3, 4].map((i) => append(wal, logs(1)).then(() => done.push(`later ${i}`)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(done, [], 'nothing is acknowledged before its fdatasync');
    assert.equal(calls, 1, 'one fdatasync at a time');
    pending.shift()!();
    await Promise.all(first);
    assert.deepEqual(done, ['first 1', 'first 2', 'first 3']);
    assert.equal(calls, 2, 'the four waiting appends share the second fdatasync');
    pending.shift()!();
    await Promise.all(rest);
    assert.equal(done.length, 7);
    assert.equal(wal.stats().fsyncs, 2);
    await wal.close();
  });

  it('fsync: zeros are preallocated ahead of the records, and reading stops there without a warning', async () => {
    const dir = tempDir();
    const wal = open(dir, { sync: 'fsync', segmentBytes: 1024 * 1024 });
    const batches = Array.from({ length: 20 }, (_, i) => logs(20, `batch ${i}`));
    for (const batch of batches) await append(wal, batch);
    const file = path.join(dir, segmentFiles(dir)[0]!);
    const size = fs.statSync(file).size;
    assert.ok(size >= 256 * 1024, `preallocated: ${size} bytes on disk`);
    assert.equal(wal.stats().bytes, size, '/stats counts the bytes on disk');
    const { logger, lines } = captureLogger();
    const again = open(dir, { logger });
    assert.deepEqual(
      leftoverLogs(again).map((log) => log.id),
      batches.flat().map((log) => log.id),
    );
    assert.equal(lines.filter((line) => line['droppedRecords'] !== undefined).length, 0);
    await wal.close();
  });

  it('fsync: a failed fdatasync refuses its appends and cuts them from the segment', async () => {
    const dir = tempDir();
    let fail = false;
    const io: WalIo = {
      write: (fd, buffer, position) => fs.writeSync(fd, buffer, 0, buffer.length, position),
      fdatasync: (fd) => (fail ? Promise.reject(new Error('EIO: i/o error, fsync')) : syncFd(fd)),
    };
    const wal = open(dir, { sync: 'fsync', io });
    const kept = logs(2, 'kept');
    await append(wal, kept);
    fail = true;
    await assert.rejects(append(wal, logs(2, 'lost')), /EIO/);
    fail = false;
    const after = logs(2, 'after');
    await append(wal, after);
    const again = open(dir);
    assert.deepEqual(
      leftoverLogs(again).map((log) => log.message),
      [...kept, ...after].map((log) => log.message),
    );
    await wal.close();
  });
});

function syncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
