export { BuiltinGenerator } from './builtin-generator.ts';
export { generaliseToken } from './generalise.ts';
export { maskToken } from './mask.ts';
export { DEFAULT_CHOICES, RULES, type MinerChoices } from './choices.ts';
export { TemplateMiner, type MinedTemplate, type MinerOptions } from './miner.ts';
