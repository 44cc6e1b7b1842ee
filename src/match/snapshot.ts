import type { MatchResult, Template } from '../model/template.ts';
import { PersistentMap } from './persistent-map.ts';
import { TrieSearch } from './search.ts';
import { parseShapes } from './shapes.ts';
import { tokenize } from './tokenize.ts';
import { EMPTY_NODE, insert, remove, type TrieNode } from './trie.ts';

export interface TemplateRef {
  org: string;
  id: number;
}

interface OrgIndex {
  readonly root: TrieNode;
  readonly templates: PersistentMap<number, Template>;
}

const EMPTY_ORG: OrgIndex = { root: EMPTY_NODE, templates: PersistentMap.empty() };

// Matching is synchronous and never re-entered, so one set of search buffers serves all.
const search = new TrieSearch();

/** Trie nodes visited by the last `match` (for benchmarks and tests: cost without a clock). */
export function lastMatchSteps(): number {
  return search.lastSteps;
}

/**
 * The templates of every org, indexed for matching, as an immutable value. Each org has
 * its own token trie, so one org's templates never match another org's logs, and the cost
 * of a match depends on the line, not on how many templates there are.
 */
export class MatcherSnapshot {
  private readonly orgs: PersistentMap<string, OrgIndex>;
  /** Templates in all orgs. */
  readonly size: number;

  private constructor(orgs: PersistentMap<string, OrgIndex>, size: number) {
    this.orgs = orgs;
    this.size = size;
  }

  static empty(): MatcherSnapshot {
    return new MatcherSnapshot(PersistentMap.empty(), 0);
  }

  /**
   * A new snapshot with `upserts` added or replaced (by org and id) and then `deletes`
   * removed, so an id in both ends up deleted. Only the trie paths of the changed
   * templates are copied; this snapshot stays as it was.
   */
  withChanges(upserts: readonly Template[], deletes: readonly TemplateRef[] = []): MatcherSnapshot {
    const touched = new Map<string, OrgIndex>();
    const indexOf = (org: string): OrgIndex => touched.get(org) ?? this.orgs.get(org) ?? EMPTY_ORG;
    let size = this.size;
    for (const template of upserts) {
      const before = indexOf(template.org);
      const after = upsert(before, Object.freeze({ ...template }));
      size += after.templates.size - before.templates.size;
      touched.set(template.org, after);
    }
    for (const { org, id } of deletes) {
      const before = indexOf(org);
      const after = removeTemplate(before, id);
      size += after.templates.size - before.templates.size;
      touched.set(org, after);
    }
    let orgs = this.orgs;
    for (const [org, index] of touched) {
      orgs = index.templates.size === 0 ? orgs.delete(org) : orgs.set(org, index);
    }
    return new MatcherSnapshot(orgs, size);
  }

  match(org: string, message: string): MatchResult | undefined {
    const index = this.orgs.get(org);
    if (index === undefined) return undefined;
    return search.run(index.root, message);
  }

  countFor(org: string): number {
    return this.orgs.get(org)?.templates.size ?? 0;
  }

  get(org: string, id: number): Template | undefined {
    return this.orgs.get(org)?.templates.get(id);
  }

  templatesOf(org: string): Template[] {
    const index = this.orgs.get(org);
    return index === undefined ? [] : [...index.templates.values()];
  }
}

function upsert(index: OrgIndex, template: Template): OrgIndex {
  const previous = index.templates.get(template.id);
  const templates = index.templates.set(template.id, template);
  const tokens = sameTokens(previous?.text, template.text);
  if (tokens && (previous?.shapes ?? '') === (template.shapes ?? '')) return { root: index.root, templates };
  let root = index.root;
  // Same tokens: the insert below replaces the id's shapes in place.
  if (previous !== undefined && !tokens)
    root = remove(root, tokenize(previous.text), 0, previous.id) ?? EMPTY_NODE;
  root = insert(root, tokenize(template.text), 0, template.id, parseShapes(template.shapes));
  return { root, templates };
}

function removeTemplate(index: OrgIndex, id: number): OrgIndex {
  const previous = index.templates.get(id);
  if (previous === undefined) return index;
  const root = remove(index.root, tokenize(previous.text), 0, id) ?? EMPTY_NODE;
  return { root, templates: index.templates.delete(id) };
}

function sameTokens(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  if (a === b) return true;
  const left = tokenize(a);
  const right = tokenize(b);
  return left.length === right.length && left.every((token, k) => token === right[k]);
}
