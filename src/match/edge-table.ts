import { labelIs } from './node-record.ts';

/** FNV-1a over the UTF-16 code units of `text.slice(start, end)`. */
export function hashOf(text: string, start: number, end: number): number {
  let hash = 0x811c9dc5 | 0;
  for (let k = start; k < end; k++) hash = Math.imul(hash ^ text.charCodeAt(k), 0x01000193);
  return hash;
}

/** Ints per slot of an EdgeTable: node, token hash, child. */
const SLOT = 3;

/**
 * The literal edges of the nodes of a compact trie with many children (the root above all),
 * in one open-addressing table keyed by node and token: a lookup is one probe into adjacent
 * ints, where a binary search over thousands of children would touch a dozen cache lines. The
 * token's hash is kept in the slot, and the token itself is checked against the child's label
 * (node-record.ts), in the record the search reads next anyway.
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

  add(node: number, hash: number, child: number): void {
    const mask = this.slots.length / SLOT - 1;
    let slot = this.slotOf(node, hash);
    while (this.slots[slot * SLOT] !== -1) slot = (slot + 1) & mask;
    const at = slot * SLOT;
    this.slots[at] = node;
    this.slots[at + 1] = hash;
    this.slots[at + 2] = child;
  }

  /** The child of `node` through `text.slice(start, end)` (whose hash is `hash`), or -1. */
  get(
    nodes: Int32Array,
    chars: Uint16Array,
    node: number,
    hash: number,
    text: string,
    start: number,
    end: number,
  ): number {
    const slots = this.slots;
    const mask = slots.length / SLOT - 1;
    for (let slot = this.slotOf(node, hash); ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const owner = slots[at] ?? -1;
      if (owner === -1) return -1;
      if (owner === node && slots[at + 1] === hash) {
        const child = slots[at + 2] ?? -1;
        if (labelIs(nodes, chars, child, text, start, end)) return child;
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
