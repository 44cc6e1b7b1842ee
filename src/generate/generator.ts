import type { Template, TemplateSource } from '../model/template.ts';

/** A template a generator proposes. With `id`, it refines that existing template. */
export interface ProposedTemplate {
  id?: number;
  text: string;
  /** Who made it, when not the generator itself (an LLM generator's fallback to the miner). */
  source?: TemplateSource;
}

/**
 * What every template generator implements: the built-in miner here, the LLM providers
 * (openai, ollama) in their own module. Generators only propose; the generate stage checks
 * each proposal against the lines it came from before any matcher sees it.
 */
export interface TemplateGenerator {
  readonly source: TemplateSource;
  /** Lines handed over in one call, and how long to wait for a batch to fill. */
  readonly batching: { readonly maxLines: number; readonly maxWaitMs: number };
  /**
   * Templates already known, so generation continues from them: those loaded at start, those
   * made elsewhere (other generator processes), and each one the generate stage takes in from
   * this generator. A template it knows already (by id) is skipped.
   */
  seed(templates: readonly Template[]): void;
  /** Proposes templates covering `lines`, all from one org. */
  generate(org: string, lines: readonly string[], signal?: AbortSignal): Promise<ProposedTemplate[]>;
}
