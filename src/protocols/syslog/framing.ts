/**
 * Syslog over TCP (RFC 6587): a frame that starts with a digit is octet-counted (`LEN SP MSG`),
 * anything else runs to the next LF (non-transparent framing; a NUL ends a frame too, as some
 * senders use it, and the CR of CRLF is trimmed by the parser). Decided per frame, as rsyslog
 * does, so a sender may mix them. Bounded: no frame is kept beyond `maxFrameBytes`. An LF frame
 * over it is dropped up to its LF and the stream goes on; an octet count over it leaves no way
 * to find the next frame, so the stream must be closed. Pure: bytes in, frames out.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const SP = 0x20;

export interface FrameSink {
  frame(bytes: Buffer): void;
  /** A frame over the limit was dropped; the stream goes on. */
  oversized(): void;
}

/** Why a stream cannot be framed any further: the caller closes the connection. */
export type FramingFault = 'declared_length_over_limit';

type State = 'between' | 'count' | 'counted' | 'line';

export class FrameDecoder {
  private readonly max: number;
  private state: State = 'between';
  /** The octet count read so far (state count), then the bytes still to come (counted). */
  private count = 0;
  private countText = '';
  /** The bytes of the frame so far, when it spans chunks. */
  private parts: Buffer[] = [];
  private held = 0;
  /** An LF frame over the limit: its bytes are dropped up to its LF. */
  private discarding = false;
  /** Frames completed (and oversized ones dropped) so far: tells a new partial frame from an old one. */
  completed = 0;

  constructor(maxFrameBytes: number) {
    this.max = maxFrameBytes;
  }

  /** Whether a frame has begun and not ended: what the frame timeout watches. */
  get midFrame(): boolean {
    return this.state !== 'between';
  }

  push(chunk: Buffer, sink: FrameSink): FramingFault | undefined {
    let i = 0;
    // The next NUL at or after i (-1: none left in the chunk): looked up again only once passed,
    // so a chunk of many LF frames is scanned for NUL once, not once per frame.
    let nul = -2;
    while (i < chunk.length) {
      switch (this.state) {
        case 'between': {
          const c = chunk[i]!;
          if (c === LF || c === CR || c === NUL) {
            i++;
          } else if (c > 0x30 && c <= 0x39) {
            this.state = 'count';
            this.count = 0;
            this.countText = '';
          } else {
            this.state = 'line';
          }
          break;
        }
        case 'count': {
          const c = chunk[i]!;
          if (c >= 0x30 && c <= 0x39) {
            this.count = this.count * 10 + (c - 0x30);
            this.countText += String.fromCharCode(c);
            if (this.count > this.max) return 'declared_length_over_limit';
            i++;
          } else if (c === SP) {
            this.state = 'counted';
            i++;
          } else {
            // Digits not followed by a space: a line that starts with digits (rsyslog goes on
            // the same way), the digits its first bytes.
            this.state = 'line';
            this.hold(Buffer.from(this.countText, 'latin1'));
          }
          break;
        }
        case 'counted': {
          const take = Math.min(this.count, chunk.length - i);
          if (this.held === 0 && take === this.count) {
            sink.frame(chunk.subarray(i, i + take));
          } else {
            this.hold(chunk.subarray(i, i + take));
            if (take === this.count) sink.frame(this.release());
          }
          this.count -= take;
          i += take;
          if (this.count === 0) this.endFrame();
          break;
        }
        case 'line': {
          const lf = chunk.indexOf(LF, i);
          if (nul !== -1 && nul < i) nul = chunk.indexOf(NUL, i);
          const end = nul !== -1 && (lf === -1 || nul < lf) ? nul : lf;
          if (end === -1) {
            if (!this.discarding) this.hold(chunk.subarray(i));
            if (!this.discarding && this.held > this.max) {
              this.discarding = true;
              this.release();
              sink.oversized();
            }
            return undefined;
          }
          if (this.discarding) {
            this.discarding = false;
          } else if (this.held + (end - i) > this.max) {
            this.release();
            sink.oversized();
          } else if (this.held === 0) {
            sink.frame(chunk.subarray(i, end));
          } else {
            this.hold(chunk.subarray(i, end));
            sink.frame(this.release());
          }
          i = end + 1;
          this.endFrame();
          break;
        }
      }
    }
    return undefined;
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // A copy: a few bytes held must not keep the whole chunk they came in alive.
    this.parts.push(Buffer.from(bytes));
    this.held += bytes.length;
  }

  private release(): Buffer {
    const whole = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    return whole;
  }

  private endFrame(): void {
    this.state = 'between';
    this.completed++;
  }
}
