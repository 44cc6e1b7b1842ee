const REMOVED: unique symbol = Symbol('removed');
type Slot<V> = V | typeof REMOVED;

/** Maps up to this size are simply copied on write: cheaper than any indirection. */
const COPY_LIMIT = 32;

/**
 * An immutable map whose updates share structure with the map they came from.
 *
 * Small maps are copied on write. A large map keeps a shared `base` plus a small `delta`
 * of changes; the delta is folded into a new base once it outgrows sqrt(size). An update
 * therefore costs O(sqrt n) amortised instead of the O(n) of a copy, and a lookup costs
 * at most two native Map lookups. This is what keeps a template upsert cheap in an org
 * with 10,000 templates (the root of its trie has thousands of children).
 */
export class PersistentMap<K, V> {
  private readonly base: ReadonlyMap<K, V>;
  private readonly delta: ReadonlyMap<K, Slot<V>> | undefined;
  readonly size: number;

  private constructor(base: ReadonlyMap<K, V>, delta: ReadonlyMap<K, Slot<V>> | undefined, size: number) {
    this.base = base;
    this.delta = delta;
    this.size = size;
  }

  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>(new Map(), undefined, 0);
  }

  /**
   * The native Map holding every entry, when no changes are pending (no delta), else
   * undefined. A base is never written once a map holds it, so it may be shared read-only:
   * the matcher looks up through it directly, one hop and one branch less per token.
   */
  get plain(): ReadonlyMap<K, V> | undefined {
    return this.delta === undefined ? this.base : undefined;
  }

  get(key: K): V | undefined {
    const delta = this.delta;
    if (delta !== undefined) {
      const slot = delta.get(key);
      if (slot !== undefined) return slot === REMOVED ? undefined : slot;
    }
    return this.base.get(key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): PersistentMap<K, V> {
    const size = this.has(key) ? this.size : this.size + 1;
    return this.write(key, value, size);
  }

  delete(key: K): PersistentMap<K, V> {
    if (!this.has(key)) return this;
    return this.write(key, REMOVED, this.size - 1);
  }

  *entries(): IterableIterator<[K, V]> {
    const delta = this.delta;
    for (const entry of this.base) {
      if (delta === undefined || !delta.has(entry[0])) yield entry;
    }
    if (delta === undefined) return;
    for (const [key, slot] of delta) if (slot !== REMOVED) yield [key, slot];
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  private write(key: K, slot: Slot<V>, size: number): PersistentMap<K, V> {
    if (this.base.size <= COPY_LIMIT && this.delta === undefined) {
      const base = new Map(this.base);
      if (slot === REMOVED) base.delete(key);
      else base.set(key, slot);
      return new PersistentMap(base, undefined, size);
    }
    const delta = new Map(this.delta);
    delta.set(key, slot);
    if (delta.size * delta.size <= this.base.size) return new PersistentMap(this.base, delta, size);
    const base = new Map(this.base);
    for (const [k, s] of delta) {
      if (s === REMOVED) base.delete(k);
      else base.set(k, s);
    }
    return new PersistentMap(base, undefined, size);
  }
}
