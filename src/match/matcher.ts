import type { Template } from '../model/template.ts';
import { MatcherSnapshot, type TemplateRef } from './snapshot.ts';

/**
 * The live matcher of a process: readers take `current` and keep using that snapshot for
 * as long as they like; `apply` builds the next snapshot aside and swaps one reference, so
 * matching never waits for an update.
 */
export class Matcher {
  private snapshot: MatcherSnapshot;

  constructor(initial: MatcherSnapshot = MatcherSnapshot.empty()) {
    this.snapshot = initial;
  }

  get current(): MatcherSnapshot {
    return this.snapshot;
  }

  apply(upserts: readonly Template[], deletes: readonly TemplateRef[] = []): void {
    this.snapshot = this.snapshot.withChanges(upserts, deletes);
  }
}
