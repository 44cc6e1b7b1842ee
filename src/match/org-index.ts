import type { Template } from '../model/template.ts';
import { deltaLimit, LayeredTrie } from './layered-trie.ts';
import { PersistentMap } from './persistent-map.ts';
import { Rebuild } from './rebuild.ts';
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
 * place of a rebuild while it exists (layered-trie.ts: changes go to a small delta), its base
 * rebuilt in slices of the event loop once the delta is full (rebuild.ts) and adopted by the
 * first index of the org to look after it is done, and dropped when the org has been idle
 * (`unload`). Memory then follows the orgs that are sending, not every org ever seen, and a
 * start with many orgs loads templates only. An index is shared by every snapshot that did
 * not change the org.
 */
export class OrgIndex {
  static readonly EMPTY = new OrgIndex(PersistentMap.empty(), undefined);

  readonly templates: PersistentMap<number, Template>;
  #trie: LayeredTrie | undefined;
  #usedIn = tick;
  /** A new base being built, from the templates of an earlier index of this org... */
  #rebuild: Rebuild | undefined;
  /** ...and the ids changed since those templates, to replay on it (undefined with no rebuild). */
  #changedSince: PersistentMap<number, true> | undefined;

  constructor(templates: PersistentMap<number, Template>, trie: LayeredTrie | undefined) {
    this.templates = templates;
    this.#trie = trie;
  }

  /** The trie, built now if it was not (or was dropped); marks the org as in use. */
  trie(): LayeredTrie {
    this.#usedIn = tick;
    return this.#adopted() ?? (this.#trie = LayeredTrie.build(this.templates.values()));
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
    this.#rebuild = undefined;
    this.#changedSince = undefined;
    return true;
  }

  /**
   * With `upserts` added or replaced (by id) and then `deletes` removed. A change goes to the
   * trie's delta; a full delta starts a rebuild in slices, and changes keep going to the delta
   * until it is adopted. A batch of more changes than the delta takes rebuilds the trie at once:
   * that costs about what taking the batch change by change would (the batch is a quarter of
   * the org or more).
   */
  withChanges(upserts: readonly Template[], deletes: readonly number[]): OrgIndex {
    let trie = this.#adopted();
    const rebuildNow =
      trie !== undefined && upserts.length + deletes.length > deltaLimit(this.templates.size);
    let rebuild = this.#rebuild;
    let changedSince = this.#changedSince;
    let templates = this.templates;
    for (const template of upserts) {
      const previous = templates.get(template.id);
      templates = templates.set(template.id, template);
      if (trie !== undefined && !rebuildNow) trie = changed(trie, previous, template);
      if (changedSince !== undefined) changedSince = changedSince.set(template.id, true);
    }
    for (const id of deletes) {
      const previous = templates.get(id);
      if (previous === undefined) continue;
      templates = templates.delete(id);
      if (trie !== undefined && !rebuildNow) trie = trie.without(previous);
      if (changedSince !== undefined) changedSince = changedSince.set(id, true);
    }
    if (rebuildNow) {
      trie = LayeredTrie.build(templates.values());
      rebuild = undefined;
      changedSince = undefined;
    } else if (trie !== undefined && rebuild === undefined && trie.dueForRebuild(templates.size)) {
      rebuild = new Rebuild(templates);
      changedSince = PersistentMap.empty();
    }
    const next = new OrgIndex(templates, trie);
    next.#usedIn = this.#usedIn;
    next.#rebuild = rebuild;
    next.#changedSince = changedSince;
    // An org too large to rebuild on a line's time is indexed as soon as it is that large.
    if (trie === undefined && templates.size > UNLOAD_MAX_TEMPLATES) next.trie();
    return next;
  }

  /**
   * The trie, with the rebuilt base in it once that is done: the new base (the templates the
   * rebuild started from) with this index's changes since then replayed into its delta, a cost
   * of the changes made during the rebuild. The trie it replaces holds the same templates, so
   * a reader that took the old one gets the same answers from it.
   */
  #adopted(): LayeredTrie | undefined {
    const rebuilt = this.#rebuild?.result;
    if (rebuilt === undefined || this.#trie === undefined || this.#rebuild === undefined) return this.#trie;
    const before = this.#rebuild.templates;
    let trie = rebuilt;
    for (const [id] of this.#changedSince?.entries() ?? []) {
      const previous = before.get(id);
      const current = this.templates.get(id);
      if (current !== undefined) trie = changed(trie, previous, current);
      else if (previous !== undefined) trie = trie.without(previous);
    }
    this.#rebuild = undefined;
    this.#changedSince = undefined;
    return (this.#trie = trie);
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
