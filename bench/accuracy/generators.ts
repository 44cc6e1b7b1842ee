// The generators the accuracy benchmark can run. Each dataset gets a fresh one (a miner's
// clusters, a stand-in server's answers belong to one dataset). A factory sees the dataset,
// ground truth included, because the `oracle` stand-in answers with the ground truth; the
// `close` is for generators that run a local server. `oracle` and `noisy` run one
// (stand-ins.ts) and reach it through the real openai client over HTTP, exactly as
// LLM_PROVIDER=openai with LLM_BASE_URL would in the service. `openai` and `ollama` use a
// real model, configured by the same environment variables as the service.
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import {
  createGenerator,
  LlmGenerator,
  type LlmStats,
  type TemplateGenerator,
} from '../../src/generate/index.ts';
import { BuiltinGenerator, type MinerChoices } from '../../src/generate/builtin/index.ts';
import type { DatasetLine } from './dataset.ts';
import {
  noisyResponder,
  oracleResponder,
  startChatStandIn,
  truthIndex,
  type NoisyResponder,
  type Responder,
} from './stand-ins.ts';

export const GENERATOR_NAMES = ['builtin', 'oracle', 'noisy', 'openai', 'ollama'] as const;
export type BenchGeneratorName = (typeof GENERATOR_NAMES)[number];

export interface GeneratorContext {
  dataset: string;
  lines: readonly DatasetLine[];
  /** The noisy stand-in's seed (NOISE_SEED unless --noise-seed). */
  noiseSeed?: number;
  /** The built-in miner's choices where they differ from the service's defaults (`--choices`). */
  choices?: Partial<MinerChoices>;
}

export interface BenchGenerator {
  generator: TemplateGenerator;
  close: () => Promise<void>;
  /** An LLM generator's counters (model requests, accepted and rejected templates). */
  llmStats?: () => LlmStats;
  /** The noisy stand-in's record of what it answered. */
  noise?: NoisyResponder;
  /** Lines whose content has two ground-truth templates (the oracle answers the first). */
  truthConflicts?: number;
}

export type GeneratorFactory = (context: GeneratorContext) => Promise<BenchGenerator>;

/** A bad command-line choice: the CLI prints it and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Seed of the noisy stand-in: the same answers on every run. */
export const NOISE_SEED = 20261127;

/**
 * The environment the service would be started with to use the stand-in at `url`: the
 * openai provider, defaults for everything else (batches of 10 lines, 5 in flight, 3
 * attempts) but a 10 ms initial backoff, so that the noisy run's retries are quick, and no
 * per-org call budget: a dataset arrives in seconds, and the budget (a cost limit) would hand
 * most of it to the miner, which is not what this bench measures.
 */
export function standInEnv(url: string): Record<string, string> {
  return {
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: url,
    LLM_API_KEY: 'bench-stand-in',
    LLM_MODEL: 'bench-stand-in',
    LLM_INITIAL_BACKOFF_MS: '10',
    LLM_MAX_CALLS_PER_ORG_PER_MIN: '0',
  };
}

/** Starts a stand-in answering with `respond` and the openai generator pointed at it. */
async function viaStandIn(respond: Responder): Promise<BenchGenerator> {
  const standIn = await startChatStandIn(respond);
  try {
    const generator = createGenerator(loadConfig(standInEnv(standIn.url)).llm);
    if (!(generator instanceof LlmGenerator))
      throw new Error('LLM_PROVIDER=openai did not give an LlmGenerator');
    return { generator, close: () => standIn.close(), llmStats: () => generator.stats() };
  } catch (error) {
    await standIn.close();
    throw error;
  }
}

/**
 * A real model, configured as the service would be: LLM_BASE_URL, LLM_MODEL, LLM_API_KEY (openai)
 * or OLLAMA_HOST, LLM_MODEL (ollama), LLM_TIMEOUT_MS and the LLM_* batching, from the environment.
 */
function fromEnvironment(provider: 'openai' | 'ollama', env: NodeJS.ProcessEnv): Promise<BenchGenerator> {
  try {
    const generator = createGenerator(loadConfig({ ...env, LLM_PROVIDER: provider }).llm);
    if (!(generator instanceof LlmGenerator)) {
      throw new Error(`LLM_PROVIDER=${provider} did not give an LlmGenerator`);
    }
    return Promise.resolve({ generator, close: () => Promise.resolve(), llmStats: () => generator.stats() });
  } catch (error) {
    // A missing or bad setting is the user's to fix: the CLI prints it and exits with 2.
    if (error instanceof ConfigError) {
      return Promise.reject(new UsageError(`--generator ${provider}: ${error.message}`));
    }
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

const FACTORIES: Record<BenchGeneratorName, GeneratorFactory> = {
  // What the service builds with no LLM configured: the defaults of an empty environment.
  // With --choices, the same miner with those choices changed.
  builtin: ({ choices }) => {
    const generator =
      choices === undefined
        ? createGenerator({ ...loadConfig({}).llm, provider: 'builtin' })
        : new BuiltinGenerator(choices);
    return Promise.resolve({ generator, close: () => Promise.resolve() });
  },
  // The ground truth of the lines asked about: the pipeline's best case.
  oracle: async ({ lines }) => {
    const { truth, conflicts } = truthIndex(lines);
    return { ...(await viaStandIn(oracleResponder(truth))), truthConflicts: conflicts };
  },
  // Damaged answers and HTTP errors mixed with the ground truth, seeded.
  noisy: async ({ lines, noiseSeed }) => {
    const { truth, conflicts } = truthIndex(lines);
    const noise = noisyResponder(truth, noiseSeed ?? NOISE_SEED);
    return { ...(await viaStandIn(noise.respond)), noise, truthConflicts: conflicts };
  },
  openai: () => fromEnvironment('openai', process.env),
  ollama: () => fromEnvironment('ollama', process.env),
};

export function generatorFactory(name: string): GeneratorFactory {
  if (!(GENERATOR_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(
      `--generator ${JSON.stringify(name)} is not a generator; choose one of ${GENERATOR_NAMES.join(', ')}`,
    );
  }
  return FACTORIES[name as BenchGeneratorName];
}
