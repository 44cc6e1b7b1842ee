import type { ProposedTemplate, TemplateGenerator } from '../generator.ts';
import type { Template, TemplateSource } from '../../model/template.ts';
import { TemplateMiner, type MinerOptions } from './miner.ts';

/**
 * The generator that needs no network: the lines go through the miner in order and the
 * templates of the clusters they landed in come back, each with its cluster id (a new id
 * for a new cluster, the existing one for a refinement) and its final text, once.
 */
export class BuiltinGenerator implements TemplateGenerator {
  readonly source: TemplateSource = 'builtin';
  // Mining runs on the event loop: 250 lines is a few milliseconds even on the slowest
  // LogHub system (Android, ~57,000 lines/s), so HTTP requests never queue behind it for long.
  readonly batching = { maxLines: 250, maxWaitMs: 0 } as const;
  private readonly miner: TemplateMiner;

  constructor(options: MinerOptions = {}) {
    this.miner = new TemplateMiner(options);
  }

  seed(templates: readonly Template[]): void {
    this.miner.seed(templates);
  }

  generate(org: string, lines: readonly string[], signal?: AbortSignal): Promise<ProposedTemplate[]> {
    try {
      return Promise.resolve(this.mine(org, lines, signal));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private mine(org: string, lines: readonly string[], signal: AbortSignal | undefined): ProposedTemplate[] {
    // Later lines may refine a cluster again: only its final text is proposed.
    const byId = new Map<number, string>();
    for (const line of lines) {
      signal?.throwIfAborted();
      const mined = this.miner.add(org, line);
      byId.set(mined.id, mined.text);
    }
    return [...byId].map(([id, text]) => ({ id, text }));
  }
}
