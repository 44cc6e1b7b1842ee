import type { Template } from '../model/template.ts';
import { buildCompactTrie, type CompactTrie, type TrieEntry } from './compact-trie.ts';
import { PersistentMap } from './persistent-map.ts';
import { parseShapes } from './shapes.ts';
import { tokenize } from './tokenize.ts';
import { EMPTY_NODE, insert, remove, type TrieNode } from './trie.ts';

/**
 * Changes an org's trie takes into its delta before the base is rebuilt: at least this many,
 * or a fraction of the org's templates (COMPACT_FRACTION), whichever is more. A rebuild costs
 * about a microsecond a token (docs/benchmarks.md), so spread over this many changes it costs
 * each change about as much as a change into the delta does; and a delta this small is walked
 * from the cache (docs/decisions.md, "Matcher index").
 */
const COMPACT_MIN_CHANGES = 32;
const COMPACT_FRACTION = 1 / 8;

/**
 * An org's token trie in two layers: a compact, read-only base (compact-trie.ts) built from
 * the org's templates at some point, and a small persistent delta (trie.ts) holding the
 * templates added or replaced since, with `hidden` naming the base's templates that were
 * replaced or deleted. A change copies only the delta's path; once the delta holds enough
 * changes the base is rebuilt from all templates and the delta starts empty. Every value is
 * immutable, so a reader keeps whichever trie it took, old or new, never a mix.
 */
export class LayeredTrie {
  readonly base: CompactTrie;
  readonly delta: TrieNode | undefined;
  /** Base templates a change replaced or deleted; undefined when none. */
  readonly hidden: PersistentMap<number, true> | undefined;
  /** Ids whose current template is in the delta. */
  private readonly inDelta: PersistentMap<number, true>;

  private constructor(
    base: CompactTrie,
    delta: TrieNode | undefined,
    hidden: PersistentMap<number, true> | undefined,
    inDelta: PersistentMap<number, true>,
  ) {
    this.base = base;
    this.delta = delta;
    this.hidden = hidden;
    this.inDelta = inDelta;
  }

  static build(templates: Iterable<Template>): LayeredTrie {
    const entries: TrieEntry[] = [];
    for (const template of templates) {
      entries.push({
        tokens: tokenize(template.text),
        id: template.id,
        shapes: parseShapes(template.shapes),
      });
    }
    return new LayeredTrie(buildCompactTrie(entries), undefined, undefined, PersistentMap.empty());
  }

  /** Changes since the base was built (templates in the delta plus base templates hidden). */
  get pending(): number {
    return this.inDelta.size + (this.hidden?.size ?? 0);
  }

  /** Whether an org of `templates` templates should rebuild its base rather than take `more` changes. */
  dueForRebuild(templates: number, more: number): boolean {
    return this.pending + more > Math.max(COMPACT_MIN_CHANGES, templates * COMPACT_FRACTION);
  }

  /** With `template` (replacing `previous`, the same id's template before, if any). */
  withTemplate(previous: Template | undefined, template: Template): LayeredTrie {
    const without = previous === undefined ? this : this.without(previous);
    const delta = insert(
      without.delta ?? EMPTY_NODE,
      tokenize(template.text),
      0,
      template.id,
      parseShapes(template.shapes),
    );
    return new LayeredTrie(without.base, delta, without.hidden, without.inDelta.set(template.id, true));
  }

  /** Without template `previous` (the org's current template of that id). */
  without(previous: Template): LayeredTrie {
    const id = previous.id;
    if (!this.inDelta.has(id)) {
      const hidden = (this.hidden ?? PersistentMap.empty<number, true>()).set(id, true);
      return new LayeredTrie(this.base, this.delta, hidden, this.inDelta);
    }
    const delta = this.delta === undefined ? undefined : remove(this.delta, tokenize(previous.text), 0, id);
    return new LayeredTrie(this.base, delta, this.hidden, this.inDelta.delete(id));
  }
}
