// `--choices key=value,...`: the plain run with the built-in miner's choices changed from the
// service's defaults (src/generate/builtin/choices.ts), so that a variant of a threshold or a
// rule is measured by a command rather than by editing the defaults.
import { DEFAULT_CHOICES, type MinerChoices } from '../../src/generate/builtin/index.ts';
import { UsageError } from './generators.ts';

/** Choices that are a share (0..1); every other numeric choice is a count. */
const SHARES: ReadonlySet<keyof MinerChoices> = new Set(['similarity', 'maskCredit']);

/** At most one of each choice, so a longer list is a mistake. */
const MAX_LENGTH = 1_000;

const isChoice = (key: string): key is keyof MinerChoices => Object.hasOwn(DEFAULT_CHOICES, key);

/** `similarity=0.8,sizeCollapse=true` → `{ similarity: 0.8, sizeCollapse: true }`; a UsageError otherwise. */
export function parseChoices(text: string): Partial<MinerChoices> {
  if (text.length > MAX_LENGTH) throw new UsageError(`--choices: longer than ${MAX_LENGTH} characters`);
  const choices: Record<string, number | boolean> = {};
  for (const pair of text.split(',').map((part) => part.trim())) {
    const [key = '', value, ...rest] = pair.split('=');
    if (!isChoice(key) || value === undefined || rest.length > 0) {
      throw new UsageError(
        `--choices: ${JSON.stringify(pair)} is not key=value with a key of ${Object.keys(DEFAULT_CHOICES).join(', ')}`,
      );
    }
    if (Object.hasOwn(choices, key)) throw new UsageError(`--choices: ${key} given twice`);
    choices[key] = parseValue(key, value);
  }
  return choices;
}

function parseValue(key: keyof MinerChoices, value: string): number | boolean {
  if (typeof DEFAULT_CHOICES[key] === 'boolean') {
    if (value === 'true' || value === 'false') return value === 'true';
    throw new UsageError(`--choices: ${key} is true or false, got ${JSON.stringify(value)}`);
  }
  const number = value.trim() === '' ? Number.NaN : Number(value);
  if (SHARES.has(key)) {
    if (!(number >= 0 && number <= 1)) {
      throw new UsageError(`--choices: ${key} is a share from 0 to 1, got ${JSON.stringify(value)}`);
    }
  } else if (!Number.isSafeInteger(number) || number < 0) {
    throw new UsageError(`--choices: ${key} is a whole number of 0 or more, got ${JSON.stringify(value)}`);
  }
  return number;
}
