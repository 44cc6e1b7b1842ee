/**
 * The protobuf wire format, as far as the shippers' messages need it (OTLP logs, Loki push):
 * a reader over one buffer that the decoders walk field by field, building our log objects
 * directly (no generated classes, no intermediate message objects per record), and a writer
 * for the few small answers. Hostile bytes are normal input: every length is checked against
 * the end of its message, and a malformed body throws MalformedProtobuf (answered 400).
 */
import { isUtf8 } from 'node:buffer';

export class MalformedProtobuf extends Error {}

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

const TWO_32 = 4294967296;

export class ProtoReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** The next field's tag: number << 3 | wire type. */
  tag(): number {
    return this.varint();
  }

  /** A varint as a number: exact up to 2^53, which every length, count and enum is. */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedProtobuf('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result;
      shift *= 128;
    }
    throw new MalformedProtobuf('varint longer than 10 bytes');
  }

  /** A varint as a signed 64-bit integer, in decimal (int64 fields such as OTLP's int values). */
  int64Text(): string {
    const start = this.pos;
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new MalformedProtobuf('truncated varint');
      const byte = this.buf[this.pos++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asIntN(64, value).toString();
      shift += 7n;
    }
    this.pos = start;
    throw new MalformedProtobuf('varint longer than 10 bytes');
  }

  /** A fixed64 nanosecond time as epoch milliseconds (floor); 0 stays 0 (unset). */
  fixed64Millis(): number {
    if (this.pos + 8 > this.end) throw new MalformedProtobuf('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (hi === 0 && lo === 0) return 0;
    // hi·2^32 + lo nanoseconds in milliseconds without a BigInt per record: hi·4294.967296 is
    // exact to well under a nanosecond's worth for any date this service stores.
    return Math.floor(hi * (TWO_32 / 1e6) + lo / 1e6);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new MalformedProtobuf('truncated double');
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A length-delimited field's bounds; the reader moves past it. */
  span(): { start: number; end: number } {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new MalformedProtobuf('length past the end of its message');
    this.pos = end;
    return { start, end };
  }

  /** A reader over the next length-delimited field (a sub-message). */
  message(): ProtoReader {
    const { start, end } = this.span();
    return new ProtoReader(this.buf, start, end);
  }

  /** A string field; invalid UTF-8 makes the whole body malformed, as in every protobuf parser. */
  string(): string {
    const { start, end } = this.span();
    if (end === start) return '';
    const bytes = this.buf.subarray(start, end);
    if (!isUtf8(bytes)) throw new MalformedProtobuf('a string field is not valid UTF-8');
    return bytes.toString('utf8');
  }

  bytes(): Buffer {
    const { start, end } = this.span();
    return this.buf.subarray(start, end);
  }

  /** Skips a field of a wire type this decoder does not read (unknown fields are ignored). */
  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === FIXED64) this.advance(8);
    else if (wireType === LEN) this.span();
    else if (wireType === FIXED32) this.advance(4);
    else throw new MalformedProtobuf(`wire type ${wireType} is not supported`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new MalformedProtobuf('truncated field');
    this.pos += n;
  }
}

/** Builds a small message: varint and length-delimited fields are all the answers need. */
export class ProtoWriter {
  readonly #parts: Buffer[] = [];

  varintField(field: number, value: number): this {
    if (value === 0) return this;
    this.#parts.push(varintBytes(field << 3), varintBytes(value));
    return this;
  }

  stringField(field: number, value: string): this {
    if (value === '') return this;
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  bytesField(field: number, value: Buffer): this {
    this.#parts.push(varintBytes((field << 3) | LEN), varintBytes(value.length), value);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

function varintBytes(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
