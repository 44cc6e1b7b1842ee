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

function row(i: number, walSegment: number, message = `line ${i}`): StoredLog & WalTag {
  return {
    timestamp: Date.UTC(2030, 0, 1) + i,
    org: 'acme',
    dashboard: '',
    service: '',
    host: '',
    level: 'INFO',
    message,
    metadata: {},
    id: String(1000 + i),
    templateId: 3,
    variables: [],
    untemplatedReason: '',
    walSegment,
  };
}

function entry(from: number, rows: number, walSegment: number): InsertEntry {
  let text = '';
  for (let i = from; i < from + rows; i++) text += encodeInsertLine(row(i, walSegment));
  return { text, rows, walSegment };
}

interface Attempt {
  body: string;
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
  it('an entry is cut after a line: the two pieces hold its rows, in order, and keep its segment', () => {
    const whole = entry(0, 5, 4);
    const [head, rest] = cutEntry(whole, 2);
    assert.deepEqual(head, { text: entry(0, 2, 4).text, rows: 2, walSegment: 4 });
    assert.deepEqual(rest, { text: entry(2, 3, 4).text, rows: 3, walSegment: 4 });
    assert.equal(head.text + rest.text, whole.text);
  });

  it('a line break inside a value does not count as the end of a row', () => {
    const text = encodeInsertLine(row(0, 1, 'two\nlines')) + encodeInsertLine(row(1, 1));
    const [head, rest] = cutEntry({ text, rows: 2, walSegment: 1 }, 1);
    assert.equal(head.text, encodeInsertLine(row(0, 1, 'two\nlines')));
    assert.equal(rest.text, encodeInsertLine(row(1, 1)));
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
    assert.equal(joinEntries(entries), rows.map(encodeInsertLine).join(''));
  });

  it('an insert takes whole entries up to maxBatchRows and cuts the one that passes it', async () => {
    const { batches, attempts, written } = writer({ bufferSize: 4, maxBatchRows: 5 });
    const entries = [entry(0, 3, 1), entry(3, 4, 2), entry(7, 2, 3)];
    batches.enqueue(entries);
    assert.equal(batches.stats().bufferedRows + batches.stats().inFlightRows, 9);
    assert.equal(await batches.flushed(), true);
    // 9 rows: 5 (the first entry and two rows of the second), then 4 (the rest).
    assert.deepEqual(
      attempts.map((a) => a.body),
      [entry(0, 5, 0).text, entry(5, 4, 0).text],
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
    const entries = [entry(0, 2, 1), entry(2, 3, 2), entry(5, 1, 2)];
    batches.enqueue(entries);
    assert.equal(await batches.flushed(), true);
    assert.equal(attempts.length, 3);
    assert.equal(new Set(attempts.map((a) => a.token)).size, 1, 'one token for every attempt');
    for (const attempt of attempts) assert.equal(attempt.body, entry(0, 6, 0).text);
    assert.deepEqual(written, [entries], 'released once, after the attempt that stored it');
    assert.equal(batches.stats().writeErrors, 2);
    assert.equal(batches.stats().flushedRows, 6);
  });
});
