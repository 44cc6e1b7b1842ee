import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { BuiltinGenerator } from './builtin/index.ts';
import type { TemplateGenerator } from './generator.ts';

export type { TemplateGenerator } from './generator.ts';
export { startGenerate, type GenerateStage, type GenerateStats } from './stage.ts';

/** The generator LLM_PROVIDER names. The LLM providers are the template-intelligence issue's work. */
export function createGenerator(llm: Config['llm']): TemplateGenerator {
  switch (llm.provider) {
    case 'builtin':
      return new BuiltinGenerator();
    case 'openai':
    case 'ollama':
      throw new ConfigError(
        'LLM_PROVIDER',
        `${llm.provider} is recognised but not available in this version; unset LLM_PROVIDER to use the built-in miner`,
      );
  }
}
