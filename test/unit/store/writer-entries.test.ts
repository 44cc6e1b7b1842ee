// The standalone write buffer holds one entry per request (model/insert-entry.ts). What is
// checked here is the writer's batching of entries: where one is cut, and what a retry resends.
// Storing them in the real engine is test/integration/store/writer.test.ts's part.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../src/logger.ts';
import type { InsertEntry } from '../../../src/model/insert-entry.ts';
import type { StoredLog, WalTag } from '../../../src/model/log.ts';
import { cutEntry, entriesOf, ENTRY_SIZES, joinEntries } from '../../../src/store/entry.ts';
import { encodeInsertLine } from '../../../src/store/format.ts';
import { BatchWriter } from '../../../src/store/writer.ts';
import { logRecord } from '../../helpers/records.ts';

function row(i: number, walSegment: number, message = `line ${i}`): StoredLog & WalTag {
  return {
    ...logRecord(message, { timestamp: Date.UTC(2030, 0, 1) + i }),
    id: String(1000 + i),
    templateId: 3,
    variables: [],
    untemplatedReason: '',
    walSegment,
  };
}

/** The text of rows from..from+rows. */
function lines(from: number, rows: number): string {
  let text = '';
  for (let i = from; i < from + rows; i++) text += encodeInsertLine(row(i, 0));
  return text;
}

/** An entry as the main thread's requests make it (text), or as a request thread's (UTF-8 bytes). */
function entry(from: number, rows: number, walSegment: number, bytes = false): InsertEntry {
  const text = lines(from, rows);
  return { lines: bytes ? new TextEncoder().encode(text) : text, rows, walSegment };
}

const textOf = (entry: InsertEntry): string =>
  typeof entry.lines === 'string' ? entry.lines : Buffer.from(entry.lines).toString('utf8');

interface Attempt {
  body: string | Buffer;
  token: string;
}

/** A writer whose every insert attempt is recorded; the first `failures` attempts fail. */
function writer(options: { bufferSize: number; maxBatchRows: number; failures?: number }) {
  const attempts: Attempt[] = [];
  const written: InsertEntry[][] = [];
  let failures = options.failures ?? 0;
  const batches = new BatchWriter<InsertEntry>({
    name: 'logs',
    bufferSize: options.bufferSize,
    maxBatchRows: options.maxBatchRows,
    flushIntervalMs: 3_600_000,
    maxRows: 1_000_000,
    sizes: ENTRY_SIZES,
    retryInitialBackoffMs: 1,
    retryMaxBackoffMs: 2,
    encode: joinEntries,
    send: (body, token) => {
      attempts.push({ body, token });
      if (failures-- > 0) return Promise.reject(new Error('storage away'));
      return Promise.resolve();
    },
    logger: createLogger('silent'),
    onWritten: (entries) => written.push([...entries]),
  });
  return { batches, attempts, written };
}

describe('entries of the write buffer', () => {
  for (const bytes of [false, true]) {
    it(`an entry (${bytes ? 'bytes' : 'text'}) is cut after a line: the two pieces hold its rows, in order, and keep its segment`, () => {
      const [head, rest] = cutEntry(entry(0, 5, 4, bytes), 2);
      assert.deepEqual([textOf(head), head.rows, head.walSegment], [lines(0, 2), 2, 4]);
      assert.deepEqual([textOf(rest), rest.rows, rest.walSegment], [lines(2, 3), 3, 4]);
    });

    it(`a line break inside a value does not count as the end of a row (${bytes ? 'bytes' : 'text'})`, () => {
      const first = encodeInsertLine(row(0, 1, 'two\nlines, ✓ 中文 😀'));
      const text = first + encodeInsertLine(row(1, 1));
      const whole = { lines: bytes ? new TextEncoder().encode(text) : text, rows: 2, walSegment: 1 };
      const [head, rest] = cutEntry(whole, 1);
      assert.equal(textOf(head), first);
      assert.equal(textOf(rest), encodeInsertLine(row(1, 1)));
    });
  }

  it('an insert body joins text and bytes entries into the same UTF-8', () => {
    const body = joinEntries([entry(0, 2, 1), entry(2, 3, 1, true), entry(5, 1, 2)]);
    assert.ok(Buffer.isBuffer(body));
    assert.equal(body.toString('utf8'), lines(0, 6));
  });

  it('rows not yet encoded become one entry per run of their write-ahead-log segment', () => {
    const rows = [row(0, 7), row(1, 7), row(2, 8), row(3, 0)];
    const entries = entriesOf(rows);
    assert.deepEqual(
      entries.map((e) => [e.rows, e.walSegment]),
      [
        [2, 7],
        [1, 8],
        [1, 0],
      ],
    );
    assert.equal(joinEntries(entries).toString('utf8'), rows.map(encodeInsertLine).join(''));
  });

  it('an insert takes whole entries up to maxBatchRows and cuts the one that passes it', async () => {
    const { batches, attempts, written } = writer({ bufferSize: 4, maxBatchRows: 5 });
    const entries = [entry(0, 3, 1), entry(3, 4, 2, true), entry(7, 2, 3)];
    batches.enqueue(entries);
    assert.equal(batches.stats().bufferedRows + batches.stats().inFlightRows, 9);
    assert.equal(await batches.flushed(), true);
    // 9 rows: 5 (the first entry and two rows of the second), then 4 (the rest).
    assert.deepEqual(
      attempts.map((a) => a.body.toString()),
      [lines(0, 5), lines(5, 4)],
    );
    assert.deepEqual(
      written.map((batch) => batch.map((e) => [e.rows, e.walSegment])),
      [
        [
          [3, 1],
          [2, 2],
        ],
        [
          [2, 2],
          [2, 3],
        ],
      ],
    );
    assert.deepEqual(batches.stats(), {
      flushes: 2,
      flushedRows: 9,
      writeErrors: 0,
      failing: false,
      bufferedRows: 0,
      inFlightRows: 0,
    });
  });

  it('a failed batch of several entries is resent byte for byte with the same token', async () => {
    const { batches, attempts, written } = writer({ bufferSize: 6, maxBatchRows: 100, failures: 2 });
    const entries = [entry(0, 2, 1), entry(2, 3, 2, true), entry(5, 1, 2)];
    batches.enqueue(entries);
    assert.equal(await batches.flushed(), true);
    assert.equal(attempts.length, 3);
    assert.equal(new Set(attempts.map((a) => a.token)).size, 1, 'one token for every attempt');
    assert.equal(attempts[0]!.body.toString(), lines(0, 6));
    for (const attempt of attempts) assert.equal(attempt.body, attempts[0]!.body, 'the same bytes resent');
    assert.deepEqual(written, [entries], 'released once, after the attempt that stored it');
    assert.equal(batches.stats().writeErrors, 2);
    assert.equal(batches.stats().flushedRows, 6);
  });
});
