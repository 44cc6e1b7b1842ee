import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder } from '../../../../src/protocols/syslog/framing.ts';

/** Feeds `chunks` to a decoder; the frames as text, the oversized count, and a fault if any. */
function decode(chunks: (string | Buffer)[], max = 100) {
  const decoder = new FrameDecoder(max);
  const frames: string[] = [];
  let oversized = 0;
  const sink = { frame: (b: Buffer) => frames.push(b.toString('latin1')), oversized: () => oversized++ };
  for (const chunk of chunks) {
    const fault = decoder.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, sink);
    if (fault !== undefined) return { frames, oversized, fault, midFrame: decoder.midFrame };
  }
  return { frames, oversized, fault: undefined, midFrame: decoder.midFrame };
}

/** Every way of cutting `text` in two. */
function everySplit(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

describe('TCP framing (RFC 6587)', () => {
  it('LF framing; CRLF and NUL delimit too, empty lines are skipped', () => {
    assert.deepEqual(decode(['<13>a\n<13>b\r\n\n<13>c\0<13>d']).frames, ['<13>a', '<13>b\r', '<13>c']);
    assert.equal(decode(['<13>a\n<13>d']).midFrame, true);
  });

  it('octet counting, frames holding LF, and both mixed on one stream', () => {
    assert.deepEqual(decode(['5 <13>a6 <13>\nb<13>c\n3 xyz']).frames, ['<13>a', '<13>\nb', '<13>c', 'xyz']);
  });

  it('the same frames however the stream is cut', () => {
    const stream = '11 <13>1 - x y\n<13>line two\r\n\n9 <13>three<13>four\n';
    const want = ['<13>1 - x y', '<13>line two\r', '<13>three', '<13>four'];
    for (const chunks of everySplit(stream))
      assert.deepEqual(decode(chunks).frames, want, JSON.stringify(chunks));
    assert.deepEqual(decode([...stream]).frames, want, 'one byte at a time');
  });

  it('digits not followed by a space start an LF line', () => {
    assert.deepEqual(decode(['2024-01-01 started\n', '12', '3abc\n'], 10_000).frames, [
      '2024-01-01 started',
      '123abc',
    ]);
  });

  it('an LF frame over the limit is dropped up to its LF, counted, and the stream goes on', () => {
    const long = 'x'.repeat(150);
    assert.deepEqual(decode([`<13>ok\n${long}\n<13>next\n`]), {
      frames: ['<13>ok', '<13>next'],
      oversized: 1,
      fault: undefined,
      midFrame: false,
    });
    // Across chunks: dropped once it passes the limit, nothing of it kept.
    const split = decode(['<13>', 'x'.repeat(60), 'x'.repeat(60), 'x'.repeat(60), '\n<13>next\n']);
    assert.deepEqual([split.frames, split.oversized], [['<13>next'], 1]);
    // Exactly at the limit is a frame.
    assert.deepEqual(decode([`${'y'.repeat(100)}\n`]).frames, ['y'.repeat(100)]);
  });

  it('an octet count over the limit is a fault: the stream cannot be framed any more', () => {
    assert.deepEqual(decode(['5 <13>a101 ', 'x'.repeat(101)]), {
      frames: ['<13>a'],
      oversized: 0,
      fault: 'declared_length_over_limit',
      midFrame: true,
    });
    // Declared as a run of digits longer than the limit's, without waiting for the space.
    assert.equal(decode(['99999999999999999999999']).fault, 'declared_length_over_limit');
    assert.deepEqual(decode(['100 ', 'z'.repeat(100)]).frames, ['z'.repeat(100)]);
  });

  it('a frame held across chunks is a copy: the chunk it came in is not kept', () => {
    const chunk = Buffer.from('<13>start of a frame');
    const decoder = new FrameDecoder(100);
    const frames: Buffer[] = [];
    decoder.push(chunk, { frame: (b) => frames.push(b), oversized: () => undefined });
    chunk.fill(0);
    decoder.push(Buffer.from(' end\n'), { frame: (b) => frames.push(b), oversized: () => undefined });
    assert.equal(frames[0]?.toString(), '<13>start of a frame end');
  });
});
