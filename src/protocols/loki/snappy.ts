/**
 * Snappy's block format (not its framing format), as Loki's clients compress a protobuf push.
 * A block starts with its uncompressed length as a varint: it is checked against the body
 * limit before anything is decompressed, so a bomb (a few bytes claiming gigabytes) costs
 * nothing, and decompression never allocates more than the limit (Loki checks the same
 * preamble, pkg/util/http.go decompressFromBuffer).
 */
import { uncompressSync } from 'snappy';
import { BadRequestError } from '../../errors.ts';
import { inflatedTooLarge } from '../../http/inflate.ts';

function corrupt(why: string): BadRequestError {
  return new BadRequestError('INVALID_COMPRESSED_BODY', `the snappy body cannot be decompressed: ${why}`);
}

/** The uncompressed length a snappy block declares; throws for a preamble that is not one. */
export function snappyDecodedLength(block: Buffer): number {
  let length = 0;
  let shift = 1;
  // A uint32 takes at most five bytes.
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    length += (byte & 0x7f) * shift;
    if (byte < 0x80) {
      if (length > 0xffffffff) break;
      return length;
    }
    shift *= 128;
  }
  throw corrupt('no valid length preamble');
}

/** A snappy block decompressed: 413 past `limit` (before any work), 400 for corrupt bytes. */
export function unsnappy(block: Buffer, limit: number): Buffer {
  const length = snappyDecodedLength(block);
  if (length > limit) throw inflatedTooLarge(limit);
  let out: Buffer;
  try {
    out = uncompressSync(block, { asBuffer: true }) as Buffer;
  } catch {
    throw corrupt('corrupt data');
  }
  // The decoder checks it, but what we store must be exactly what was declared and bounded.
  if (out.length !== length) throw corrupt('the data does not match its declared length');
  return out;
}
