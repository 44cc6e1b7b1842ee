import type { ProposedTemplate, TemplateGenerator } from '../generator.ts';
import { MAX_TEMPLATE_TOKENS, type Template, type TemplateSource } from '../../model/template.ts';
import { hasMoreTokensThan } from '../../match/tokenize.ts';
import { TemplateMiner, type MinerOptions } from './miner.ts';

/** Longest run of mining between two yields to the event loop. */
const SLICE_MS = 10;

/**
 * The generator that needs no network: the lines go through the miner in order and the
 * templates of the clusters they landed in come back, each with its cluster id (a new id
 * for a new cluster, the existing one for a refinement) and its final text, once.
 */
export class BuiltinGenerator implements TemplateGenerator {
  readonly source: TemplateSource = 'builtin';
  // Mining runs on the event loop: 250 lines is a few milliseconds even on the slowest
  // LogHub system (Android, ~57,000 lines/s); long lines are mined in slices (generate()).
  readonly batching = { maxLines: 250, maxWaitMs: 0 } as const;
  private readonly miner: TemplateMiner;

  constructor(options: MinerOptions = {}) {
    this.miner = new TemplateMiner(options);
  }

  seed(templates: readonly Template[]): void {
    this.miner.seed(templates);
  }

  /**
   * Mines on the event loop in slices of at most SLICE_MS, yielding between them, so a batch of
   * long lines never holds requests up for longer than that. Each line is added whole; a line
   * with more tokens than a template may have is skipped (the match stage stores those itself).
   */
  async generate(org: string, lines: readonly string[], signal?: AbortSignal): Promise<ProposedTemplate[]> {
    // Later lines may refine a cluster again: only its final text is proposed.
    const byId = new Map<number, string>();
    let sliceStart = performance.now();
    for (const line of lines) {
      signal?.throwIfAborted();
      if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        sliceStart = performance.now();
      }
      if (hasMoreTokensThan(line, MAX_TEMPLATE_TOKENS)) continue;
      const mined = this.miner.add(org, line);
      // A cluster folded into another is not proposed: its lines match the other's template.
      for (const id of mined.absorbed ?? []) byId.delete(id);
      byId.set(mined.id, mined.text);
    }
    return [...byId].map(([id, text]) => ({ id, text }));
  }
}
