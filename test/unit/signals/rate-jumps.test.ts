import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jumpsIn, MIN_COUNT } from '../../../src/signals/rate-jumps.ts';

const o = { factor: 5, windowMs: 300_000, baselineWindows: 12 };
const row = (count: number, baselineCount: number, templateId = 1) => ({
  org: 'a',
  templateId,
  count,
  baselineCount,
});

describe('rate jumps', () => {
  it('finds a rate at least `factor` times the baseline’s, given the window’s length and the baseline’s', () => {
    // Baseline: 12 windows of 10; the window: 60 (6x), 40 (4x).
    const found = jumpsIn([row(60, 120, 1), row(40, 120, 2)], o);
    assert.deepEqual(
      found.map((j) => [j.templateId, Math.round(j.rateChange)]),
      [[1, 6]],
    );
  });
  it('needs evidence: too few lines, or a baseline of none, is no jump', () => {
    assert.deepEqual(jumpsIn([row(MIN_COUNT - 1, 1)], o), []);
    assert.deepEqual(jumpsIn([row(500, 0)], o), []);
    // A doubling (factor 2, a baseline of one window) is a jump on 200 lines, not on 20 (G 3.4).
    const doubling = { factor: 2, windowMs: 300_000, baselineWindows: 1 };
    assert.deepEqual(jumpsIn([row(20, 10)], doubling), []);
    assert.equal(jumpsIn([row(200, 100)], doubling).length, 1);
  });
  it('orders the most significant first', () => {
    const found = jumpsIn([row(100, 24, 1), row(1000, 240, 2)], o);
    assert.deepEqual(
      found.map((j) => j.templateId),
      [2, 1],
    );
  });
});
