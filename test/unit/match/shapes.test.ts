import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carryShapes, observeShapes } from '../../../src/generate/learn-shapes.ts';
import { MatcherSnapshot } from '../../../src/match/index.ts';
import {
  encodeShapes,
  KIND_DIGITS,
  KIND_LETTERS,
  KIND_MIXED,
  KIND_SYMBOLS,
  kindOf,
  parseShapes,
  shapeOf,
} from '../../../src/match/shapes.ts';
import type { Template } from '../../../src/model/template.ts';

function snapshot(text: string, shapes?: string): MatcherSnapshot {
  const template: Template = { id: 1, org: 'a', text, source: 'builtin', createdAt: 0, updatedAt: 0 };
  return MatcherSnapshot.empty().withChanges([shapes === undefined ? template : { ...template, shapes }]);
}

describe('variable shapes', () => {
  it('sorts texts into kinds by their letters and digits', () => {
    const kind = (text: string): number => kindOf(text, 0, text.length);
    assert.equal(kind('42'), KIND_DIGITS);
    assert.equal(kind('10.0.0.1'), KIND_DIGITS);
    assert.equal(kind('timeout'), KIND_LETTERS);
    assert.equal(kind('/var/log'), KIND_LETTERS);
    assert.equal(kind('blk_-38'), KIND_MIXED);
    assert.equal(kind('--'), KIND_SYMBOLS);
    assert.equal(kind(''), 0);
  });

  it('round-trips through the stored encoding and refuses malformed text as no shapes', () => {
    const shapes = [shapeOf('12'), shapeOf('disk full')];
    assert.equal(encodeShapes(shapes), '1-1/1 2-2/2');
    assert.deepEqual(parseShapes(encodeShapes(shapes)), shapes);
    assert.equal(parseShapes(''), undefined);
    assert.equal(parseShapes('2-1/1'), undefined);
    assert.equal(parseShapes('1-1/99'), undefined);
    assert.equal(parseShapes('x'), undefined);
  });

  it('a template matches only lines whose variables fit: tokens spanned and kinds', () => {
    const s = snapshot('ERROR <*>', '1-1/1');
    assert.deepEqual(s.match('a', 'ERROR 2')?.variables, ['2']);
    assert.equal(s.match('a', 'ERROR timeout'), undefined, 'letters where digits were');
    assert.equal(s.match('a', 'ERROR disk full on /dev/sda'), undefined, 'more tokens of another kind');
    assert.equal(s.match('a', 'ERROR'), undefined, 'an empty variable was never seen');
    // A list of values of the one kind seen is still that variable.
    assert.deepEqual(s.match('a', 'ERROR 1 2 3')?.variables, ['1 2 3']);
  });

  it('a refused line can still be traced to the template whose text takes it, with where each value is', () => {
    const s = snapshot('ERROR <*> at <*>', '1-1/1 1-1/1');
    const line = 'ERROR timeout at 12';
    assert.equal(s.match('a', line), undefined);
    const traced = s.matchIgnoringShapes('a', line);
    assert.deepEqual(
      traced?.starts.map((start, k) => line.slice(start, traced.ends[k])),
      ['timeout', '12'],
    );
    assert.equal(s.matchIgnoringShapes('a', 'WARN timeout at 12'), undefined, 'not a text it has');
    assert.deepEqual(
      s.match('a', 'ERROR 7 at 12')?.variables,
      ['7', '12'],
      'the shapes still apply to match',
    );
  });

  it('a template without shapes matches as before (made before shapes, or by hand)', () => {
    const s = snapshot('ERROR <*>');
    assert.deepEqual(s.match('a', 'ERROR disk full')?.variables, ['disk full']);
  });

  it('learns shapes from the lines each proposal takes', () => {
    const observed = observeShapes(
      'a',
      ['took <*> ms', 'user <*> logged in'],
      ['took 5 ms', 'took 12 ms', 'user bob logged in'],
    );
    assert.equal(encodeShapes(observed.shapes[0]), '1-1/1');
    assert.equal(encodeShapes(observed.shapes[1]), '1-1/2');
    assert.deepEqual(observed.lines, [2, 1]);
  });

  it('a refined template keeps the shapes of the variables it had and learns the new one from the literal', () => {
    const carried = carryShapes(
      'a',
      'user <*> logged in from web',
      parseShapes('1-1/2'),
      'user <*> logged in from <*>',
    );
    assert.equal(encodeShapes(carried), '1-1/2 1-1/2');
    assert.equal(carryShapes('a', 'x <*>', undefined, 'x <*>'), undefined, 'no shapes stay none');
  });
});
