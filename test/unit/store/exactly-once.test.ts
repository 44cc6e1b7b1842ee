import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutRanges, dedupToken } from '../../../src/store/exactly-once.ts';

const ranges = (first: number, last: number, n: number, ends: number[] = []) =>
  cutRanges(BigInt(first), BigInt(last), n, ends.map(BigInt)).map((r) => [Number(r.first), Number(r.last)]);

describe('exactly-once runs: where inserts are cut', () => {
  it('never lets one insert cross a multiple of the batch size', () => {
    assert.deepEqual(ranges(5, 27, 10), [
      [5, 9],
      [10, 19],
      [20, 27],
    ]);
  });

  it('cuts the same run into the same ranges wherever a redelivery starts at a boundary', () => {
    // A first run [0, 14] stored [0, 9] and [10, 14]; redelivered as [10, 24] it re-forms [10, 14]
    // only because the recorded end 14 is a cut.
    assert.deepEqual(ranges(10, 24, 10, [14]), [
      [10, 14],
      [15, 19],
      [20, 24],
    ]);
    assert.deepEqual(ranges(10, 24, 10), [
      [10, 19],
      [20, 24],
    ]);
  });

  it('ignores recorded ends outside the run and keeps a run shorter than a block whole', () => {
    assert.deepEqual(ranges(3, 6, 100, [1, 6, 50]), [[3, 6]]);
    assert.deepEqual(ranges(7, 7, 10), [[7, 7]]);
  });

  it('names an insert by its topic, partition and exact offset range', () => {
    assert.equal(dedupToken('logs.matched', 3, { first: 10n, last: 19n }), 'logs.matched:3:10-19');
  });
});
