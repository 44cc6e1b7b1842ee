// The rule that keeps aborted transactions' records out of a read-committed fetch
// (src/transport/kafka/client/aborted.ts), on fetch responses laid out as the broker sends them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IS_CONTROL, IS_TRANSACTIONAL } from '@platformatic/kafka';
import { skipAbortedBatches, type FetchResponse } from '../../../../src/transport/kafka/client/aborted.ts';

interface B {
  at: number;
  n?: number;
  pid: number;
  tx?: boolean;
  marker?: 'abort' | 'commit';
}

function controlKey(type: 0 | 1): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return key;
}

/** One partition's fetch: batches in offset order, and the broker's list of aborted transactions. */
function fetched(batches: B[], aborted: Array<[pid: number, firstOffset: number]>): FetchResponse {
  return {
    responses: [
      {
        partitions: [
          {
            abortedTransactions: aborted.map(([pid, first]) => ({
              producerId: BigInt(pid),
              firstOffset: BigInt(first),
            })),
            records: batches.map((b) => ({
              firstOffset: BigInt(b.at),
              lastOffsetDelta: (b.n ?? 1) - 1,
              producerId: BigInt(b.pid),
              attributes: (b.tx === false ? 0 : IS_TRANSACTIONAL) | (b.marker === undefined ? 0 : IS_CONTROL),
              records:
                b.marker === undefined
                  ? Array.from({ length: b.n ?? 1 }, () => ({ key: Buffer.from('org') }))
                  : [{ key: controlKey(b.marker === 'abort' ? 0 : 1) }],
            })),
          },
        ],
      },
    ],
  };
}

/** The first offsets of the batches that still deliver records. */
function delivered(response: FetchResponse): number[] {
  const batches = response.responses[0]?.partitions[0]?.records ?? [];
  return batches
    .filter((b) => (b.attributes & IS_CONTROL) === 0 && b.records.length > 0)
    .map((b) => Number(b.firstOffset));
}

test('a fetch that ends inside an aborted transaction delivers none of its records (the marker comes in a later fetch)', () => {
  const response = fetched(
    [
      { at: 0, n: 5, pid: 1 },
      { at: 5, marker: 'commit', pid: 1 },
      { at: 6, n: 100, pid: 1 },
      { at: 106, n: 100, pid: 1 },
    ],
    [[1, 6]],
  );
  skipAbortedBatches(response);
  assert.deepEqual(delivered(response), [0]);
  // Skipped batches keep their place: the next fetch starts after the last one, not inside it.
  assert.equal(response.responses[0]?.partitions[0]?.records?.length, 4);
});

test('the fetch after it starts inside the transaction: skipped up to the abort marker, the next transaction delivered', () => {
  const response = fetched(
    [
      { at: 206, n: 50, pid: 1 },
      { at: 256, marker: 'abort', pid: 1 },
      { at: 257, n: 10, pid: 1 },
      { at: 267, marker: 'commit', pid: 1 },
    ],
    [[1, 6]],
  );
  skipAbortedBatches(response);
  assert.deepEqual(delivered(response), [257]);
});

test('two aborted transactions of one producer in one fetch, a committed one between them', () => {
  const response = fetched(
    [
      { at: 0, n: 3, pid: 7 },
      { at: 3, marker: 'abort', pid: 7 },
      { at: 4, n: 3, pid: 7 },
      { at: 7, marker: 'commit', pid: 7 },
      { at: 8, n: 3, pid: 7 },
      { at: 11, marker: 'abort', pid: 7 },
    ],
    [
      [7, 8],
      [7, 0],
    ],
  );
  skipAbortedBatches(response);
  assert.deepEqual(delivered(response), [4]);
});

test("another producer's records, interleaved with an aborted transaction, and records outside transactions are delivered", () => {
  const response = fetched(
    [
      { at: 0, n: 2, pid: 1 },
      { at: 2, n: 2, pid: 2 },
      { at: 4, n: 2, pid: 1 },
      { at: 6, n: 2, pid: 2, tx: false },
      { at: 8, marker: 'abort', pid: 1 },
      { at: 9, marker: 'commit', pid: 2 },
    ],
    [[1, 0]],
  );
  skipAbortedBatches(response);
  assert.deepEqual(delivered(response), [2, 6]);
});

test('a fetch with no aborted transaction listed is left as it came', () => {
  const response = fetched(
    [
      { at: 0, n: 4, pid: 3 },
      { at: 4, marker: 'commit', pid: 3 },
    ],
    [],
  );
  skipAbortedBatches(response);
  assert.deepEqual(delivered(response), [0]);
});
