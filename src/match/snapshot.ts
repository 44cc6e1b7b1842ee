import type { MatchResult, Template } from '../model/template.ts';
import { OrgIndex } from './org-index.ts';
import { PersistentMap } from './persistent-map.ts';
import { TrieSearch, type SpanMatch } from './search.ts';

export interface TemplateRef {
  org: string;
  id: number;
}

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
    const changes = new Map<string, { upserts: Template[]; deletes: number[] }>();
    const changesOf = (org: string): { upserts: Template[]; deletes: number[] } => {
      let own = changes.get(org);
      if (own === undefined) changes.set(org, (own = { upserts: [], deletes: [] }));
      return own;
    };
    for (const template of upserts) changesOf(template.org).upserts.push(Object.freeze({ ...template }));
    for (const { org, id } of deletes) changesOf(org).deletes.push(id);
    let size = this.size;
    const touched = new Map<string, OrgIndex>();
    for (const [org, own] of changes) {
      const before = this.orgs.get(org) ?? OrgIndex.EMPTY;
      const after = before.withChanges(own.upserts, own.deletes);
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
    return search.run(index.trie(), message);
  }

  /** The template whose text takes the message even if its variable shapes do not (see TrieSearch). */
  matchIgnoringShapes(org: string, message: string): SpanMatch | undefined {
    const index = this.orgs.get(org);
    if (index === undefined) return undefined;
    return search.runIgnoringShapes(index.trie(), message);
  }

  /** Drops the tries of orgs unused since tick `before` (org-index.ts); returns how many. */
  unloadIdle(before: number): number {
    let dropped = 0;
    for (const index of this.orgs.values()) if (index.unload(before)) dropped++;
    return dropped;
  }

  /** Orgs with templates, and of those the ones whose trie is in memory now. */
  orgCounts(): { orgs: number; indexed: number } {
    let indexed = 0;
    for (const index of this.orgs.values()) if (index.indexed) indexed++;
    return { orgs: this.orgs.size, indexed };
  }

  /** Every org that has templates. */
  orgNames(): string[] {
    return [...this.orgs.entries()].map(([org]) => org);
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
