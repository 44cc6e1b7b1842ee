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

const systems = ['A', 'B', 'C'];

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
    const result = folds(systems, [DEFAULT_CHOICES, tuned], [scores]);
    assert.equal(label(result[0]?.chosen ?? tuned), 'default');
    assert.equal(result[0]?.heldOut[0]?.GA, 0.5);
    // Held out B: A's gain outweighs C's loss on the others, so the tuned setting is picked.
    assert.equal(result[1]?.chosen.similarity, 0.9);
    assert.equal(result[1]?.heldOut[0]?.GA, 0.8);
    assert.equal(result[1]?.plain[0]?.GA, 0.9);
  });

  it('keeps the defaults on a tie', () => {
    const other = { ...DEFAULT_CHOICES, prefixTokens: 3 };
    const same = [score(0.9, 0.8), score(0.9, 0.8), score(0.9, 0.8)];
    const result = folds(systems, [DEFAULT_CHOICES, other], [[same, same]]);
    assert.ok(result.every((fold) => label(fold.chosen) === 'default'));
  });

  it('picks one setting for both kinds of input, judged on the others over both', () => {
    const tuned = { ...DEFAULT_CHOICES, similarity: 0.8 };
    // On messages the tuned setting gains a little on every system; on whole lines it loses
    // much on B and C (a header's names split events), so no fold can take it for both.
    const messages = [
      [score(0.9, 0.9), score(0.9, 0.9), score(0.9, 0.9)],
      [score(0.95, 0.95), score(0.95, 0.95), score(0.95, 0.95)],
    ];
    const lines = [
      [score(0.9, 0.9), score(0.9, 0.9), score(0.9, 0.9)],
      [score(0.95, 0.95), score(0.4, 0.9), score(0.4, 0.9)],
    ];
    const settings = [DEFAULT_CHOICES, tuned];
    const alone = folds(systems, settings, [messages]);
    assert.ok(alone.every((fold) => fold.chosen.similarity === 0.8));
    const joint = folds(systems, settings, [messages, lines]);
    assert.ok(joint.every((fold) => label(fold.chosen) === 'default'));
    // Held out A is scored with the defaults on each kind, beside the plain run.
    assert.deepEqual(
      joint[0]?.heldOut.map((s) => s.GA),
      [0.9, 0.9],
    );
    assert.deepEqual(
      joint[0]?.plain.map((s) => s.GA),
      [0.9, 0.9],
    );
    // The objective is the mean of (GA+PA)/2 over the other systems' runs on both kinds.
    assert.equal(joint[0]?.trainObjective, 0.9);
  });

  it('weighs every run of another system on every kind the same', () => {
    const tuned = { ...DEFAULT_CHOICES, prefixTokens: 3 };
    // Tuned: +0.1 on each of B and C on messages, −0.15 on B alone on whole lines: a net
    // gain of 0.05 over the four runs, so it is picked though it loses on one kind.
    const messages = [
      [score(0.8, 0.8), score(0.8, 0.8), score(0.8, 0.8)],
      [score(0.8, 0.8), score(0.9, 0.9), score(0.9, 0.9)],
    ];
    const lines = [
      [score(0.8, 0.8), score(0.8, 0.8), score(0.8, 0.8)],
      [score(0.7, 0.7), score(0.65, 0.65), score(0.8, 0.8)],
    ];
    const joint = folds(systems, [DEFAULT_CHOICES, tuned], [messages, lines]);
    assert.equal(joint[0]?.chosen.prefixTokens, 3);
    assert.deepEqual(
      joint[0]?.heldOut.map((s) => s.GA),
      [0.8, 0.7],
    );
  });

  it('refuses scores that do not cover every setting and system', () => {
    const short = [[score(1, 1), score(1, 1)]];
    assert.throws(() => folds(systems, [DEFAULT_CHOICES], [short]), /do not cover/);
  });
});
