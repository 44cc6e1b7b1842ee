import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracy, f1, type ParsedLine } from '../../../bench/metrics.ts';

/** Parsed lines from [group, template] pairs. */
const parsed = (...pairs: Array<[string, string]>): ParsedLine[] =>
  pairs.map(([group, template]) => ({ group, template }));

describe('accuracy metrics (LogHub-2k README definitions)', () => {
  it('gives 1 everywhere to a parser that reproduces the ground truth', () => {
    const truth = ['a <*>', 'a <*>', 'b', 'c <*> d'];
    const result = accuracy(
      truth,
      truth.map((template) => ({ group: template, template })),
    );
    assert.deepEqual([result.GA, result.PA, result.FGA, result.FTA], [1, 1, 1, 1]);
    assert.equal(result.truthTemplates, 3);
    assert.equal(result.parsedGroups, 3);
  });

  it('scores grouping on line sets only, and template text on exact strings', () => {
    // Right groups everywhere; the second group's text is wrong.
    const result = accuracy(
      ['A <*>', 'A <*>', 'B <*>', 'C'],
      parsed(['1', 'A <*>'], ['1', 'A <*>'], ['2', 'B 7'], ['3', 'C']),
    );
    assert.equal(result.GA, 1);
    assert.equal(result.PA, 3 / 4);
    assert.equal(result.FGA, 1);
    assert.equal(result.correctTemplates, 2);
    assert.equal(result.FTA, 2 / 3);
  });

  it('counts a line as grouped right only when its whole group is exactly its ground-truth group', () => {
    // A is split in two groups, B is right; every template text is right.
    const result = accuracy(['A', 'A', 'A', 'B'], parsed(['x', 'A'], ['y', 'A'], ['y', 'A'], ['z', 'B']));
    assert.equal(result.GA, 1 / 4);
    assert.equal(result.PA, 1, 'PA ignores grouping');
    assert.equal(result.correctGroups, 1);
    // PGA = 1/3, RGA = 1/2
    assert.ok(Math.abs(result.FGA - 0.4) < 1e-12);
    assert.ok(Math.abs(result.FTA - 0.4) < 1e-12);
  });

  it('gives 0 to one group holding everything, even when some text is right', () => {
    const result = accuracy(['A', 'A', 'B', 'B'], parsed(['g', 'A'], ['g', 'A'], ['g', 'A'], ['g', 'A']));
    assert.equal(result.GA, 0);
    assert.equal(result.PA, 1 / 2);
    assert.equal(result.FGA, 0);
    assert.equal(result.FTA, 0);
  });

  it('keys ground truth by template text: two ids with one template are one group', () => {
    // Linux has E17, E18, E19 with one template; the truth array carries the text only.
    const result = accuracy(['same <*>', 'same <*>'], parsed(['1', 'same <*>'], ['1', 'same <*>']));
    assert.equal(result.truthTemplates, 1);
    assert.equal(result.GA, 1);
  });

  it('compares strings exactly, spacing included', () => {
    const result = accuracy(['a <*> b'], parsed(['1', 'a  <*> b']));
    assert.equal(result.PA, 0);
    assert.equal(result.FGA, 1);
    assert.equal(result.FTA, 0);
  });

  it('needs one parsed line per ground-truth line', () => {
    assert.throws(() => accuracy(['a'], []), /1 ground-truth lines but 0 parsed lines/);
  });

  it('f1 is the harmonic mean of precision and recall, 0 when nothing is correct', () => {
    assert.equal(f1(2, 4, 2), 2 / 3);
    assert.equal(f1(0, 4, 2), 0);
    assert.equal(f1(3, 3, 3), 1);
  });
});
