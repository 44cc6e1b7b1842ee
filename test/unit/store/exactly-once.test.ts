import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pieceToken } from '../../../src/store/exactly-once.ts';

describe('exactly-once pieces: how an insert is named', () => {
  it('names a piece by its topic and the exact offset range of each partition, in partition order', () => {
    assert.equal(
      pieceToken('logs.matched', [
        { partition: 3, first: 10n, last: 19n },
        { partition: 0, first: 7n, last: 7n },
      ]),
      'logs.matched:0:7-7:3:10-19',
    );
    // A piece of one partition is named as the runs the ledger held before pieces.
    assert.equal(
      pieceToken('logs.matched', [{ partition: 3, first: 10n, last: 19n }]),
      'logs.matched:3:10-19',
    );
  });

  it('hashes a name longer than the store accepts, the same ranges always to the same name', () => {
    const many = Array.from({ length: 40 }, (_, p) => ({
      partition: p,
      first: 1_000_000n,
      last: 1_000_999n,
    }));
    const token = pieceToken('logs.matched', many);
    assert.match(token, /^piece:[0-9a-f]{64}$/);
    assert.equal(pieceToken('logs.matched', [...many].reverse()), token);
    const moved = many.map((r, i) => (i === 39 ? { ...r, last: 1_001_000n } : r));
    assert.notEqual(pieceToken('logs.matched', moved), token);
  });
});
