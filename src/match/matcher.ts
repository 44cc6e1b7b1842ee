import type { Template } from '../model/template.ts';
import { currentTick, startTicking } from './org-index.ts';
import { MatcherSnapshot, type TemplateRef } from './snapshot.ts';

/** Ticks of the idleness clock per idle period: an org is dropped after 1 to 1.25 periods unused. */
const TICKS_PER_IDLE = 4;

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

  /**
   * From now on, drops the trie of each org that matched no line for `idleSecs` (ORG_IDLE_UNLOAD_SECS;
   * 0: never): it is rebuilt from the org's templates at its next line (org-index.ts). Returns
   * the stop function.
   */
  unloadIdleOrgs(idleSecs: number): () => void {
    if (idleSecs <= 0) return () => undefined;
    const periodMs = Math.max(250, (idleSecs * 1000) / TICKS_PER_IDLE);
    startTicking(periodMs);
    const timer = setInterval(() => this.snapshot.unloadIdle(currentTick() - TICKS_PER_IDLE), periodMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
