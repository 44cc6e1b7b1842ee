// The generators the accuracy benchmark can run. Each dataset gets a fresh one (a miner's
// clusters, a stand-in server's answers belong to one dataset). A factory sees the dataset,
// ground truth included, because the `oracle` stand-in answers with the ground truth; the
// `close` is for generators that run a local server.
import { loadConfig } from '../../src/config.ts';
import { createGenerator, type TemplateGenerator } from '../../src/generate/index.ts';
import type { DatasetLine } from './dataset.ts';

export const GENERATOR_NAMES = ['builtin', 'oracle', 'noisy', 'openai', 'ollama'] as const;
export type BenchGeneratorName = (typeof GENERATOR_NAMES)[number];

export interface GeneratorContext {
  dataset: string;
  lines: readonly DatasetLine[];
}

export interface BenchGenerator {
  generator: TemplateGenerator;
  close: () => Promise<void>;
}

export type GeneratorFactory = (context: GeneratorContext) => Promise<BenchGenerator>;

/** A bad command-line choice: the CLI prints it and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FACTORIES: Partial<Record<BenchGeneratorName, GeneratorFactory>> = {
  // What the service builds with no LLM configured: the defaults of an empty environment.
  builtin: () => {
    const generator = createGenerator({ ...loadConfig({}).llm, provider: 'builtin' });
    return Promise.resolve({ generator, close: () => Promise.resolve() });
  },
};

export function generatorFactory(name: string): GeneratorFactory {
  if (!(GENERATOR_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(
      `--generator ${JSON.stringify(name)} is not a generator; choose one of ${GENERATOR_NAMES.join(', ')}`,
    );
  }
  const factory = FACTORIES[name as BenchGeneratorName];
  if (factory === undefined) {
    throw new UsageError(
      `--generator ${name} is not available yet (only builtin is); the LLM providers and the oracle and noisy stand-ins come with the rest of the template-intelligence issue`,
    );
  }
  return factory;
}
