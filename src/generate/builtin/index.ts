export { BuiltinGenerator } from './builtin-generator.ts';
export { generaliseToken } from './generalise.ts';
export { hasConstantText, maskToken } from './mask.ts';
export { TemplateMiner, type MinedTemplate, type MinerOptions } from './miner.ts';
