/**
 * The literal tokens of an org's compact trie, each with a small int id, compared straight
 * against a line's characters where a node has too many children to keep them inline
 * (compact-trie.ts): a token of the line is never sliced into a string of its own
 * nor looked up through one in the heap (a native Map needs both). The characters of all
 * tokens lie back to back in one array.
 */
export class TokenTable {
  private readonly chars: Uint16Array;
  /** Token id → its first character in `chars`; one more entry marks the end of the last. */
  private readonly starts: Int32Array;

  constructor(tokens: readonly string[]) {
    let length = 0;
    for (const token of tokens) length += token.length;
    this.chars = new Uint16Array(length);
    this.starts = new Int32Array(tokens.length + 1);
    let at = 0;
    for (const [id, token] of tokens.entries()) {
      this.starts[id] = at;
      for (let k = 0; k < token.length; k++) this.chars[at++] = token.charCodeAt(k);
    }
    this.starts[tokens.length] = at;
  }

  /** Whether token `id` is `text.slice(start, end)`. */
  equals(id: number, text: string, start: number, end: number): boolean {
    const from = this.starts[id] ?? 0;
    const length = (this.starts[id + 1] ?? 0) - from;
    if (end - start !== length) return false;
    const chars = this.chars;
    for (let k = 0; k < length; k++) if (chars[from + k] !== text.charCodeAt(start + k)) return false;
    return true;
  }

  get bytes(): number {
    return this.chars.byteLength + this.starts.byteLength;
  }
}

/** FNV-1a over the UTF-16 code units of `text.slice(start, end)`. */
export function hashOf(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash;
}

/** Ints per slot of an EdgeTable: node, token hash, token id, child. */
const SLOT = 4;

/**
 * The literal edges of the nodes with many children (the root above all), in one
 * open-addressing table keyed by node and token: a lookup is one probe into adjacent ints
 * (the token's hash is kept beside it, so a probe rarely compares characters it need not),
 * where a binary search over thousands of children would touch a dozen cache lines.
 */
export class EdgeTable {
  private readonly slots: Int32Array;
  private readonly shift: number;

  constructor(capacityFor: number) {
    let bits = 3;
    while (1 << bits < capacityFor * 2) bits++;
    this.slots = new Int32Array((1 << bits) * SLOT).fill(-1);
    this.shift = 32 - bits;
  }

  add(node: number, hash: number, tokenId: number, child: number): void {
    const mask = this.slots.length / SLOT - 1;
    let slot = this.slotOf(node, hash);
    while (this.slots[slot * SLOT] !== -1) slot = (slot + 1) & mask;
    const at = slot * SLOT;
    this.slots[at] = node;
    this.slots[at + 1] = hash;
    this.slots[at + 2] = tokenId;
    this.slots[at + 3] = child;
  }

  /** The child of `node` through `text.slice(start, end)` (whose hash is `hash`), or -1. */
  get(tokens: TokenTable, node: number, hash: number, text: string, start: number, end: number): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let slot = this.slotOf(node, hash); ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const owner = slots[at] ?? -1;
      if (owner === -1) return -1;
      if (owner === node && slots[at + 1] === hash && tokens.equals(slots[at + 2] ?? 0, text, start, end)) {
        return slots[at + 3] ?? -1;
      }
    }
  }

  get bytes(): number {
    return this.slots.byteLength;
  }

  /** Fibonacci hashing of the node mixed into the token's hash: the top bits pick the slot. */
  private slotOf(node: number, hash: number): number {
    return Math.imul(hash ^ Math.imul(node, 0x9e3779b1), 0x85ebca6b) >>> this.shift;
  }
}
