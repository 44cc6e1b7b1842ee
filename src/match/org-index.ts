import type { Template } from '../model/template.ts';
import { LayeredTrie } from './layered-trie.ts';
import { PersistentMap } from './persistent-map.ts';
import { tokenize } from './tokenize.ts';

/**
 * Orgs with at most this many templates may have their trie dropped when idle: rebuilding it
 * on the org's next log costs about 2 µs a token, a few milliseconds for 500 templates. A
 * larger org keeps its trie (it would cost its next log too long, and there are few of them).
 */
export const UNLOAD_MAX_TEMPLATES = 500;

/**
 * A coarse clock for idleness: an org's trie records the tick in which it was last used, an
 * integer store per match instead of reading a clock. One per process (startTicking), shared
 * by every matcher in it; tests advance it with nextTick().
 */
let tick = 0;
let ticking: ReturnType<typeof setInterval> | undefined;

export function currentTick(): number {
  return tick;
}

export function nextTick(): number {
  return ++tick;
}

/** Starts the process's idleness clock (once; later calls keep the first period). */
export function startTicking(periodMs: number): void {
  if (ticking !== undefined) return;
  ticking = setInterval(nextTick, periodMs);
  ticking.unref();
}

/**
 * One org's templates and their token trie. The trie is the costly part, and a pure function
 * of the templates, so it is a cache: built when the org's first line needs it, updated in
 * place of a rebuild while it exists (layered-trie.ts: changes go to a small delta until the
 * compact base is rebuilt), and dropped when the org has been idle (`unload`). Memory then
 * follows the orgs that are sending, not every org ever seen, and a start with many orgs loads
 * templates only. An index is shared by every snapshot that did not change the org.
 */
export class OrgIndex {
  static readonly EMPTY = new OrgIndex(PersistentMap.empty(), undefined);

  readonly templates: PersistentMap<number, Template>;
  #trie: LayeredTrie | undefined;
  #usedIn = tick;

  constructor(templates: PersistentMap<number, Template>, trie: LayeredTrie | undefined) {
    this.templates = templates;
    this.#trie = trie;
  }

  /** The trie, built now if it was not (or was dropped); marks the org as in use. */
  trie(): LayeredTrie {
    this.#usedIn = tick;
    return this.#trie ?? (this.#trie = LayeredTrie.build(this.templates.values()));
  }

  get indexed(): boolean {
    return this.#trie !== undefined;
  }

  /** Drops the trie when unused since tick `before` (and the org is small enough to rebuild); true if dropped. */
  unload(before: number): boolean {
    if (this.#trie === undefined || this.#usedIn >= before || this.templates.size > UNLOAD_MAX_TEMPLATES) {
      return false;
    }
    this.#trie = undefined;
    return true;
  }

  /**
   * With `upserts` added or replaced (by id) and then `deletes` removed. A batch of more
   * changes than the trie's delta takes rebuilds the trie once rather than change by change.
   */
  withChanges(upserts: readonly Template[], deletes: readonly number[]): OrgIndex {
    let trie = this.#trie;
    const rebuild = trie?.dueForRebuild(this.templates.size, upserts.length + deletes.length) === true;
    let templates = this.templates;
    for (const template of upserts) {
      const previous = templates.get(template.id);
      templates = templates.set(template.id, template);
      if (trie !== undefined && !rebuild) trie = changed(trie, previous, template);
    }
    for (const id of deletes) {
      const previous = templates.get(id);
      if (previous === undefined) continue;
      templates = templates.delete(id);
      if (trie !== undefined && !rebuild) trie = trie.without(previous);
    }
    if (rebuild) trie = LayeredTrie.build(templates.values());
    const next = new OrgIndex(templates, trie);
    next.#usedIn = this.#usedIn;
    // An org too large to rebuild on a line's time is indexed as soon as it is that large.
    if (trie === undefined && templates.size > UNLOAD_MAX_TEMPLATES) next.trie();
    return next;
  }
}

/** The trie with `template` in place of `previous`; the same trie when nothing it indexes changed. */
function changed(trie: LayeredTrie, previous: Template | undefined, template: Template): LayeredTrie {
  if (
    previous !== undefined &&
    tokensEqual(previous.text, template.text) &&
    (previous.shapes ?? '') === (template.shapes ?? '')
  ) {
    return trie;
  }
  return trie.withTemplate(previous, template);
}

function tokensEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const left = tokenize(a);
  const right = tokenize(b);
  return left.length === right.length && left.every((token, k) => token === right[k]);
}
