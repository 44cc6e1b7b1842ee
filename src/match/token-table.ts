/**
 * An org's literal tokens, each with a small int id, looked up straight from a line's
 * characters: a token of the line is hashed and compared where it lies in the message, so a
 * lookup neither slices a string nor chases one through the heap (a native Map needs the
 * token as a string of its own, and its keys live wherever they were allocated). The
 * characters of all tokens lie in one array, their hashes and offsets in others, and the
 * open-addressing table in one more: a lookup touches a few adjacent ints and one run of
 * characters.
 */
export class TokenTable {
  /** The characters of every token, back to back, in id order. */
  private readonly chars: Uint16Array;
  /** Token id → its first character in `chars`; one more entry marks the end of the last. */
  private readonly starts: Int32Array;
  private readonly hashes: Int32Array;
  /** Slot → token id + 1; 0 for an empty slot. A power of two, at most half full. */
  private readonly slots: Int32Array;
  readonly size: number;

  constructor(tokens: readonly string[]) {
    let length = 0;
    for (const token of tokens) length += token.length;
    this.chars = new Uint16Array(length);
    this.starts = new Int32Array(tokens.length + 1);
    this.hashes = new Int32Array(tokens.length);
    let capacity = 8;
    while (capacity < tokens.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.size = tokens.length;
    let at = 0;
    for (const [id, token] of tokens.entries()) {
      this.starts[id] = at;
      for (let k = 0; k < token.length; k++) this.chars[at++] = token.charCodeAt(k);
      const hash = hashOf(token, 0, token.length);
      this.hashes[id] = hash;
      let slot = hash & (capacity - 1);
      while (this.slots[slot] !== 0) slot = (slot + 1) & (capacity - 1);
      this.slots[slot] = id + 1;
    }
    this.starts[tokens.length] = at;
  }

  /** The id of the token `text.slice(start, end)`, or -1 when it is not in the table. */
  lookup(text: string, start: number, end: number): number {
    const hash = hashOf(text, start, end);
    const mask = this.slots.length - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = (this.slots[slot] ?? 0) - 1;
      if (id < 0) return -1;
      if (this.hashes[id] !== hash) continue;
      const from = this.starts[id] ?? 0;
      if ((this.starts[id + 1] ?? 0) - from !== length) continue;
      if (this.sameChars(from, text, start, length)) return id;
    }
  }

  /** Whether token `id` is `text.slice(start, end)`: compared in place, no hashing. */
  equals(id: number, text: string, start: number, end: number): boolean {
    const from = this.starts[id] ?? 0;
    const length = end - start;
    return (this.starts[id + 1] ?? 0) - from === length && this.sameChars(from, text, start, length);
  }

  /** Bytes of the arrays. */
  get bytes(): number {
    return this.chars.byteLength + this.starts.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  private sameChars(from: number, text: string, start: number, length: number): boolean {
    const chars = this.chars;
    for (let k = 0; k < length; k++) if (chars[from + k] !== text.charCodeAt(start + k)) return false;
    return true;
  }
}

/** FNV-1a over UTF-16 code units, then mixed so that the low bits (the slot) depend on every character. */
function hashOf(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash ^ (hash >>> 15);
}
