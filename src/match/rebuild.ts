import type { Template } from '../model/template.ts';
import { LayeredTrie } from './layered-trie.ts';
import type { PersistentMap } from './persistent-map.ts';

/**
 * Most milliseconds one slice of a rebuild holds the event loop. Building the base of 10,000
 * templates costs 25-100 ms of CPU on the shared cores (docs/benchmarks.md): in one piece that
 * is a stall every matching request behind it waits out; in slices of this size a request
 * waits one slice at most, and the rebuild takes one turn of the loop in each.
 */
export const SLICE_MS = 2;

let running = 0;

/** Rebuilds started and not finished, in this thread (for tests and benchmarks to wait on). */
export function rebuildsRunning(): number {
  return running;
}

/**
 * The compact base of an org's templates as they were at one point (`templates`, an immutable
 * map), built in slices of the event loop (setImmediate) while the org's old base and its
 * delta keep answering. Its result is a trie of those templates alone: the org index that
 * adopts it replays the changes made since (org-index.ts), so a reader sees the old trie or
 * the new one, each whole.
 */
export class Rebuild {
  readonly templates: PersistentMap<number, Template>;
  #result: LayeredTrie | undefined;

  constructor(templates: PersistentMap<number, Template>) {
    this.templates = templates;
    const steps = LayeredTrie.buildSteps(templates.values());
    running++;
    const slice = (): void => {
      const until = performance.now() + SLICE_MS;
      for (;;) {
        const step = steps.next();
        if (step.done === true) {
          this.#result = step.value;
          running--;
          return;
        }
        if (performance.now() >= until) break;
      }
      setImmediate(slice);
    };
    setImmediate(slice);
  }

  /** The new trie once built; undefined until then. */
  get result(): LayeredTrie | undefined {
    return this.#result;
  }
}
