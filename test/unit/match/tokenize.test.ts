import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBounds, tokenize } from '../../../src/match/index.ts';

describe('tokenize', () => {
  it('splits on runs of whitespace and drops leading and trailing whitespace', () => {
    assert.deepEqual(tokenize(' a\t b\r\n c  '), ['a', 'b', 'c']);
    assert.deepEqual(tokenize('   '), []);
  });

  it('agrees with TokenBounds, which reports offsets into the original text', () => {
    const text = '  x=1   yy\tz ';
    const bounds = new TokenBounds();
    const count = bounds.scan(text);
    const sliced = Array.from({ length: count }, (_, k) => text.slice(bounds.starts[k], bounds.ends[k]));
    assert.deepEqual(sliced, tokenize(text));
  });

  it('grows its buffers for long lines', () => {
    const text = Array.from({ length: 500 }, (_, k) => `t${k}`).join(' ');
    assert.equal(new TokenBounds().scan(text), 500);
  });
});
