import type { Template } from '../model/template.ts';
import { compactTrieSteps, finish, WORK_PER_STEP, type CompactTrie, type TrieEntry } from './compact-trie.ts';
import { PersistentMap } from './persistent-map.ts';
import { parseShapes } from './shapes.ts';
import { tokenize } from './tokenize.ts';
import { EMPTY_NODE, insert, remove, type TrieNode } from './trie.ts';

/**
 * Changes an org's trie takes into its delta before the base is rebuilt: at least this many,
 * or a fraction of the org's templates (COMPACT_FRACTION), whichever is more. A rebuild of
 * 10,000 templates costs tens of milliseconds of CPU (taken in slices of the event loop,
 * rebuild.ts); spread over a quarter as many changes it costs a change about what the change
 * itself costs. The price: a template changed since the rebuild
 * matches at the persistent trie's speed (docs/decisions.md, "Matcher index").
 */
const COMPACT_MIN_CHANGES = 32;
const COMPACT_FRACTION = 1 / 4;

/** Changes the delta of an org of `templates` templates takes before its base is due a rebuild. */
export function deltaLimit(templates: number): number {
  return Math.max(COMPACT_MIN_CHANGES, templates * COMPACT_FRACTION);
}

/**
 * An org's token trie in two layers: a compact, read-only base (compact-trie.ts) built from
 * the org's templates at some point, and a small persistent delta (trie.ts) holding the
 * templates added or replaced since, with `hidden` naming the base's templates that were
 * replaced or deleted. A change copies only the delta's path; once the delta holds enough
 * changes a new base is built from all templates (rebuild.ts, in slices) and the org index
 * adopts it with the changes made meanwhile as its delta (org-index.ts). Every value is
 * immutable, so a reader keeps whichever trie it took, old or new, never a mix.
 */
export class LayeredTrie {
  readonly base: CompactTrie;
  /** Ids of the base's templates: what the base was built from, never changed. */
  private readonly baseIds: ReadonlySet<number>;
  readonly delta: TrieNode | undefined;
  /** Templates in the delta. */
  private readonly deltaSize: number;
  /** Base templates a change replaced or deleted; undefined when none. */
  readonly hidden: PersistentMap<number, true> | undefined;

  private constructor(
    base: CompactTrie,
    baseIds: ReadonlySet<number>,
    delta: TrieNode | undefined,
    deltaSize: number,
    hidden: PersistentMap<number, true> | undefined,
  ) {
    this.base = base;
    this.baseIds = baseIds;
    this.delta = delta;
    this.deltaSize = deltaSize;
    this.hidden = hidden;
  }

  static build(templates: Iterable<Template>): LayeredTrie {
    return finish(LayeredTrie.buildSteps(templates));
  }

  /** `build` as steps that pause every so often (compact-trie.ts), for a rebuild in slices (rebuild.ts). */
  static *buildSteps(templates: Iterable<Template>): Generator<void, LayeredTrie> {
    const entries: TrieEntry[] = [];
    const ids = new Set<number>();
    for (const template of templates) {
      entries.push({
        tokens: tokenize(template.text),
        id: template.id,
        shapes: parseShapes(template.shapes),
      });
      ids.add(template.id);
      // Tokenising a template costs about as much as a few dozen units of the build's own work.
      if (entries.length % (WORK_PER_STEP / 32) === 0) yield;
    }
    const base = yield* compactTrieSteps(entries);
    return new LayeredTrie(base, ids, undefined, 0, undefined);
  }

  /**
   * Changes since the base was built: templates in the delta or base templates hidden, whichever
   * are more (a replaced template is one of each, and one change).
   */
  get pending(): number {
    return Math.max(this.deltaSize, this.hidden?.size ?? 0);
  }

  /** Whether the delta of an org of `templates` templates holds enough changes to rebuild the base. */
  dueForRebuild(templates: number): boolean {
    return this.pending > deltaLimit(templates);
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
    return new LayeredTrie(without.base, this.baseIds, delta, without.deltaSize + 1, without.hidden);
  }

  /** Without template `previous` (the org's current template of that id). */
  without(previous: Template): LayeredTrie {
    const id = previous.id;
    // The current template of an id is the base's until a change hides it there.
    if (this.baseIds.has(id) && this.hidden?.has(id) !== true) {
      const hidden = (this.hidden ?? PersistentMap.empty<number, true>()).set(id, true);
      return new LayeredTrie(this.base, this.baseIds, this.delta, this.deltaSize, hidden);
    }
    const delta = this.delta === undefined ? undefined : remove(this.delta, tokenize(previous.text), 0, id);
    return new LayeredTrie(this.base, this.baseIds, delta, this.deltaSize - 1, this.hidden);
  }
}
