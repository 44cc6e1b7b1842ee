export { LlmGenerator, type LlmGeneratorOptions, type LlmStats } from './llm-generator.ts';
export { createOpenAiComplete, type OpenAiOptions } from './openai-client.ts';
export { createOllamaComplete, type OllamaOptions } from './ollama-client.ts';
export type { Complete, Completion, Prompt } from './completion.ts';
export { LlmError, type LlmErrorCode } from './errors.ts';
export type { RetryPolicy, RetryDeps } from './retry.ts';
