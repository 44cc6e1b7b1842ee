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

  it('grows its buffers for long lines split by spaces only', () => {
    const text = Array.from({ length: 500 }, (_, k) => `t${k}`).join('  ');
    const bounds = new TokenBounds();
    assert.equal(bounds.scan(text), 500);
    assert.equal(text.slice(bounds.starts[499], bounds.ends[499]), 't499');
  });
});

/** The per-character split every path must agree with: maximal runs of non-whitespace. */
function reference(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13)) {
      if (current !== '') tokens.push(current);
      current = '';
    } else current += text[i];
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

function scanned(bounds: TokenBounds, text: string): string[] {
  const count = bounds.scan(text);
  assert.equal(bounds.count, count);
  return Array.from({ length: count }, (_, k) => text.slice(bounds.starts[k], bounds.ends[k]));
}

// TokenBounds splits lines with only spaces by indexOf and others character by character.
describe('TokenBounds on either path', () => {
  const tricky = [
    '',
    ' ',
    '    ',
    'a',
    ' a',
    'a ',
    '  a  ',
    'a b',
    'a  b   c',
    '   leading and trailing   ',
    'tab\tonly',
    '\t',
    '\t\n\v\f\r',
    'mixed \t  spaces\tand\ttabs ',
    'line\r\n',
    'vertical\vtab form\ffeed',
    // Not whitespace to the contract: the controls either side of TAB..CR, NBSP, unicode spaces.
    'a\u0008b a\u000eb a\u001fb',
    'no\u00a0break em\u2003space ideographic\u3000space',
    'é à ü 日本語 テスト',
    'emoji 😀 pair 👍🏽 ok',
    '\ud83d lone \ude00 surrogates',
    'blk_-1608999687919862906 10.251.42.84:50010 /mnt/hadoop/dfs/data',
    'x'.repeat(300),
  ];
  for (const text of tricky) {
    it(`splits ${JSON.stringify(text).slice(0, 40)} like the reference`, () => {
      assert.deepEqual(scanned(new TokenBounds(), text), reference(text));
      assert.deepEqual(tokenize(text), reference(text));
    });
  }

  it('agrees with the reference on random texts, reusing one TokenBounds', () => {
    const alphabet = [
      ' ',
      ' ',
      ' ',
      '\t',
      '\n',
      '\r',
      '\v',
      '\f',
      '\u0008',
      '\u000e',
      '\u00a0',
      'a',
      'b',
      'é',
      '😀',
      '=',
    ];
    let seed = 7;
    const next = (below: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % below;
    };
    const bounds = new TokenBounds();
    for (let n = 0; n < 3_000; n++) {
      // Half of the texts keep to spaces, so that both paths get random input.
      const spacesOnly = n % 2 === 0;
      const chars = Array.from({ length: next(40) }, () => {
        const char = alphabet[next(alphabet.length)] ?? ' ';
        return spacesOnly && /[\t-\r]/.test(char) ? ' ' : char;
      });
      const text = chars.join('');
      assert.deepEqual(scanned(bounds, text), reference(text), JSON.stringify(text));
    }
  });
});
