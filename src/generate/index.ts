import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { BuiltinGenerator } from './builtin/index.ts';
import type { TemplateGenerator } from './generator.ts';
import { createOllamaComplete, createOpenAiComplete, LlmGenerator } from './llm/index.ts';

export type { TemplateGenerator } from './generator.ts';
export { LlmGenerator, type LlmStats } from './llm/index.ts';
export { startGenerate, type GenerateStage, type GenerateStats } from './stage.ts';

/** Retry-After is honoured up to this: beyond it, the batch's lines would be held too long. */
const MAX_RETRY_AFTER_MS = 60_000;

/** The generator LLM_PROVIDER names: the built-in miner, or a chat model with the miner as fallback. */
export function createGenerator(llm: Config['llm'], logger?: Logger): TemplateGenerator {
  if (llm.provider === 'builtin') return new BuiltinGenerator();
  const complete =
    llm.provider === 'openai'
      ? createOpenAiComplete({
          baseUrl: llm.baseUrl,
          apiKey: llm.apiKey,
          model: llm.model,
          timeoutMs: llm.timeoutMs,
        })
      : createOllamaComplete({ host: llm.ollamaHost, model: llm.model, timeoutMs: llm.timeoutMs });
  return new LlmGenerator({
    source: llm.provider,
    complete,
    batching: { maxLines: llm.batchSize, maxWaitMs: llm.batchTimeoutSecs * 1000 },
    retry: {
      maxAttempts: llm.maxRetries,
      initialBackoffMs: llm.initialBackoffMs,
      jitter: 0.1,
      maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    },
    logger: logger?.child({ component: 'llm', provider: llm.provider }),
    ...(llm.maxCallsPerOrgPerMin === 0 ? {} : { maxCallsPerOrgPerMin: llm.maxCallsPerOrgPerMin }),
  });
}
