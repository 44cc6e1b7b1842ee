import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTemplate, recreates } from '../../../../src/generate/llm/checks.ts';

describe('checkTemplate', () => {
  const lines = ['took 12 ms', 'took 7 ms', 'disk full on /dev/sda1'];

  it('covers the lines the template matches and re-creates, and leaves the others', () => {
    const result = checkTemplate('a', 'took <*> ms', lines);
    assert.equal(result.rejected, undefined);
    assert.deepEqual(result.covered, [0, 1]);
    assert.deepEqual(result.uncovered, [2]);
  });

  it('rejects a template with no constant text', () => {
    for (const template of ['<*> <*> <*>', '<*>: [<*>] <*>', '<*>']) {
      const result = checkTemplate('a', template, lines);
      assert.equal(result.rejected, 'no-constant-text', template);
      assert.deepEqual(result.uncovered, [0, 1, 2]);
    }
  });

  it('rejects a template that matches none of its lines', () => {
    const result = checkTemplate('a', 'took <*> seconds', lines);
    assert.equal(result.rejected, 'matches-no-line');
    assert.deepEqual(result.covered, []);
  });

  it('treats regular-expression syntax in model output as literal text', () => {
    const result = checkTemplate('a', 'took .* ms', ['took 12 ms', 'took .* ms']);
    assert.deepEqual(result.covered, [1]);
    assert.deepEqual(
      checkTemplate('a', '(a+)+$ <*>', ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa! 1']).rejected,
      'matches-no-line',
    );
  });

  it('matches across whitespace differences and inside tokens', () => {
    const result = checkTemplate('a', 'blk_<*> src: <*>', ['blk_-42  src:   /10.0.0.1:50010']);
    assert.deepEqual(result.covered, [0]);
  });
});

describe('recreates', () => {
  it('puts the variables back in order and compares with whitespace normalised', () => {
    assert.equal(recreates('took <*> ms to <*>', ['12', 'host-a'], 'took  12 ms to host-a'), true);
    assert.equal(recreates('blk_<*> ok', ['-42'], 'blk_-42 ok'), true);
  });

  it('fails when the variables do not re-create the line', () => {
    assert.equal(recreates('took <*> ms', ['12'], 'took 13 ms'), false);
    assert.equal(recreates('took <*> ms', ['12', 'x'], 'took 12 ms'), false);
    assert.equal(recreates('took <*> <*>', ['12'], 'took 12 ms'), false);
  });
});
