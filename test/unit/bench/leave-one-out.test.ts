import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candidates, folds, label } from '../../../bench/accuracy/leave-one-out.ts';
import { DEFAULT_CHOICES } from '../../../src/generate/builtin/index.ts';
import type { Accuracy } from '../../../bench/metrics.ts';

const score = (GA: number, PA: number): Accuracy => ({
  GA,
  PA,
  FGA: GA,
  FTA: PA,
  truthTemplates: 1,
  parsedGroups: 1,
  correctGroups: 1,
  correctTemplates: 1,
});

const systems = ['A', 'B', 'C'].map((name) => ({ name, messages: [], truth: [] }));

describe('leave-one-out', () => {
  it('lists the defaults first, then distinct settings only', () => {
    const list = candidates();
    assert.equal(label(list[0] ?? DEFAULT_CHOICES), 'default');
    assert.equal(new Set(list.map(label)).size, list.length);
  });

  it('scores each system with the setting best on the others, never with its own best', () => {
    const tuned = { ...DEFAULT_CHOICES, similarity: 0.9 };
    // The tuned setting is far better on A alone and a little worse on B and C.
    const scores = [
      [score(0.5, 0.5), score(0.9, 0.9), score(0.9, 0.9)],
      [score(1, 1), score(0.8, 0.8), score(0.8, 0.8)],
    ];
    const result = folds(systems, [DEFAULT_CHOICES, tuned], scores);
    assert.equal(label(result[0]?.chosen ?? tuned), 'default');
    assert.equal(result[0]?.heldOut.GA, 0.5);
    // Held out B: A's gain outweighs C's loss on the others, so the tuned setting is picked.
    assert.equal(result[1]?.chosen.similarity, 0.9);
    assert.equal(result[1]?.heldOut.GA, 0.8);
    assert.equal(result[1]?.plain.GA, 0.9);
  });

  it('keeps the defaults on a tie', () => {
    const other = { ...DEFAULT_CHOICES, prefixTokens: 3 };
    const same = [score(0.9, 0.8), score(0.9, 0.8), score(0.9, 0.8)];
    const result = folds(systems, [DEFAULT_CHOICES, other], [same, same]);
    assert.ok(result.every((fold) => label(fold.chosen) === 'default'));
  });
});
