import type { Template } from '../model/template.ts';
import { PersistentMap } from './persistent-map.ts';
import { parseShapes } from './shapes.ts';
import { tokenize } from './tokenize.ts';
import { EMPTY_NODE, insert, remove, type TrieNode } from './trie.ts';

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
 * One org's templates and their token trie. The trie is the costly part (2.7 KB for an org of
 * one short template, against ~0.3 KB for the template itself), and a pure function of the
 * templates, so it is a cache: built when the org's first line needs it, updated in place of
 * a rebuild while it exists, and dropped when the org has been idle (`unload`). Memory then
 * follows the orgs that are sending, not every org ever seen, and a start with many orgs loads
 * templates only. An index is shared by every snapshot that did not change the org.
 */
export class OrgIndex {
  static readonly EMPTY = new OrgIndex(PersistentMap.empty(), undefined);

  readonly templates: PersistentMap<number, Template>;
  #root: TrieNode | undefined;
  #usedIn = tick;

  constructor(templates: PersistentMap<number, Template>, root: TrieNode | undefined) {
    this.templates = templates;
    this.#root = root;
  }

  /** The trie, built now if it was not (or was dropped); marks the org as in use. */
  root(): TrieNode {
    this.#usedIn = tick;
    return this.#root ?? this.build();
  }

  private build(): TrieNode {
    let root = EMPTY_NODE;
    for (const template of this.templates.values()) root = insertTemplate(root, template);
    this.#root = root;
    return root;
  }

  get indexed(): boolean {
    return this.#root !== undefined;
  }

  /** Drops the trie when unused since tick `before` (and the org is small enough to rebuild); true if dropped. */
  unload(before: number): boolean {
    if (this.#root === undefined || this.#usedIn >= before || this.templates.size > UNLOAD_MAX_TEMPLATES) {
      return false;
    }
    this.#root = undefined;
    return true;
  }

  withTemplate(template: Template): OrgIndex {
    const previous = this.templates.get(template.id);
    const templates = this.templates.set(template.id, template);
    const root = this.#root;
    const sameTokens = previous !== undefined && tokensEqual(previous.text, template.text);
    let next: TrieNode | undefined;
    if (root === undefined) next = undefined;
    else if (sameTokens && (previous.shapes ?? '') === (template.shapes ?? '')) next = root;
    else {
      // Same tokens: the insert replaces the id's shapes in place.
      const base =
        previous !== undefined && !sameTokens
          ? (remove(root, tokenize(previous.text), 0, previous.id) ?? EMPTY_NODE)
          : root;
      next = insertTemplate(base, template);
    }
    return this.successor(templates, next);
  }

  without(id: number): OrgIndex {
    const previous = this.templates.get(id);
    if (previous === undefined) return this;
    const root = this.#root;
    const next =
      root === undefined ? undefined : (remove(root, tokenize(previous.text), 0, id) ?? EMPTY_NODE);
    return this.successor(this.templates.delete(id), next);
  }

  private successor(templates: PersistentMap<number, Template>, root: TrieNode | undefined): OrgIndex {
    const next = new OrgIndex(templates, root);
    next.#usedIn = this.#usedIn;
    // An org too large to rebuild on a line's time is indexed as soon as it is that large.
    if (root === undefined && templates.size > UNLOAD_MAX_TEMPLATES) next.root();
    return next;
  }
}

function insertTemplate(root: TrieNode, template: Template): TrieNode {
  return insert(root, tokenize(template.text), 0, template.id, parseShapes(template.shapes));
}

function tokensEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const left = tokenize(a);
  const right = tokenize(b);
  return left.length === right.length && left.every((token, k) => token === right[k]);
}
