/**
 * The token contract shared by the matcher and the miner: a token is a maximal run of
 * non-whitespace characters, and whitespace is space plus the ASCII controls TAB..CR.
 * Templates are split the same way, so `a  b` and `a b` are the same template path and a
 * template written with single spaces matches a line with the original spacing.
 */

/** Whitespace other than the space: where it appears, only the character loop splits right. */
const CONTROL_WHITESPACE = /[\t-\r]/;

export function isWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** Splits text into tokens (allocates; for templates and the miner, not the match hot path). */
export function tokenize(text: string): string[] {
  // One scanner for every call: JavaScript runs one call at a time, and none re-enters.
  const count = SCANNER.scan(text);
  const tokens = new Array<string>(count);
  for (let t = 0; t < count; t++) tokens[t] = text.slice(SCANNER.starts[t], SCANNER.ends[t]);
  return tokens;
}

/**
 * Whether `text` has more than `limit` tokens, reading only as far as it takes to know: a line
 * of 32,000 tokens is decided after the first `limit + 1`.
 */
export function hasMoreTokensThan(text: string, limit: number): boolean {
  let count = 0;
  let inToken = false;
  for (let i = 0; i < text.length; i++) {
    if (isWhitespace(text.charCodeAt(i))) {
      inToken = false;
    } else if (!inToken) {
      inToken = true;
      if (++count > limit) return true;
    }
  }
  return false;
}

/** A copy of `array` twice as long: the reused offset buffers grow this way. */
export function doubled(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * Token boundaries of one message, as character offsets, in buffers that are reused
 * between messages so that scanning allocates nothing per token.
 */
export class TokenBounds {
  starts = new Int32Array(64);
  ends = new Int32Array(64);
  count = 0;

  scan(text: string): number {
    // Most lines separate tokens with spaces only. Then indexOf, which runs natively, finds
    // the boundaries in a fraction of the time of a JS loop over every character; the regex
    // test is one native pass too.
    if (!CONTROL_WHITESPACE.test(text)) return this.scanSpaces(text);
    const length = text.length;
    let count = 0;
    let i = 0;
    while (i < length) {
      while (i < length && isWhitespace(text.charCodeAt(i))) i++;
      if (i === length) break;
      const start = i;
      while (i < length && !isWhitespace(text.charCodeAt(i))) i++;
      if (count === this.starts.length) this.grow();
      this.starts[count] = start;
      this.ends[count] = i;
      count++;
    }
    this.count = count;
    return count;
  }

  /** `scan` for a text whose only whitespace is the space (same tokens, split by indexOf). */
  private scanSpaces(text: string): number {
    const length = text.length;
    let count = 0;
    let i = 0;
    while (i < length) {
      let space = text.indexOf(' ', i);
      if (space < 0) space = length;
      // An empty run between two spaces (or a leading space) is no token.
      if (space > i) {
        if (count === this.starts.length) this.grow();
        this.starts[count] = i;
        this.ends[count] = space;
        count++;
      }
      i = space + 1;
    }
    this.count = count;
    return count;
  }

  private grow(): void {
    this.starts = doubled(this.starts);
    this.ends = doubled(this.ends);
  }
}

const SCANNER = new TokenBounds();
