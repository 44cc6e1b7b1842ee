// `--leave-one-out`: the built-in miner's accuracy on each system when none of its choices was
// made on that system. Every candidate setting of the miner's choices (its thresholds, and its
// rules switched off one at a time: src/generate/builtin/choices.ts) is run on every system
// once per kind of input (messages cut from their lines, and whole lines), through the same
// pipeline as the plain run; then, for each system, the candidate with the best mean (GA + PA) / 2
// over the other systems and both kinds of input is picked, and that system is scored with it
// on each kind. One pick for both kinds, because the service has one configuration: users send
// messages and whole lines to the same miner. A rule that only helps the system it was written
// for is switched off whenever that system is held out, and the held-out score shows what it
// costs.
import {
  BuiltinGenerator,
  DEFAULT_CHOICES,
  RULES,
  type MinerChoices,
} from '../../src/generate/builtin/index.ts';
import { accuracy, type Accuracy, type ParsedLine } from '../metrics.ts';
import { parsedLines, replay } from './replay.ts';

// The grid. A first run (2026-12-07, docs/accuracy.md) also had similarity 0.5, one prefix
// token and no mask credit; no fold picked any of them, and they tripled the run's time.
export const SIMILARITIES = [0.6, 0.7, 0.8, 0.9] as const;
export const PREFIX_TOKENS = [2, 3] as const;
export const MASK_CREDITS = [0.5, 1] as const;

/** What a held-out system's choice is judged by on the others. */
export const objective = (score: Pick<Accuracy, 'GA' | 'PA'>): number => (score.GA + score.PA) / 2;

/**
 * The candidates: every combination of the thresholds with the rules at their defaults, and
 * with each rule the other way in turn. The defaults come first, so that a tie keeps them.
 */
export function candidates(): MinerChoices[] {
  const list: MinerChoices[] = [DEFAULT_CHOICES];
  // Each rule the other way from its default: off (0 for a number), or on if it is off.
  const flipped = (rule: (typeof RULES)[number]): Partial<MinerChoices> => {
    const value = DEFAULT_CHOICES[rule];
    return { [rule]: typeof value === 'number' ? 0 : !value };
  };
  const ruleSets: Array<Partial<MinerChoices>> = [{}, ...RULES.map(flipped)];
  for (const rules of ruleSets) {
    for (const similarity of SIMILARITIES) {
      for (const prefixTokens of PREFIX_TOKENS) {
        for (const maskCredit of MASK_CREDITS) {
          const choices = { ...DEFAULT_CHOICES, ...rules, similarity, prefixTokens, maskCredit };
          if (!list.some((known) => label(known) === label(choices))) list.push(choices);
        }
      }
    }
  }
  return list;
}

/** How a setting differs from the defaults (`default` when it does not). */
export function label(choices: MinerChoices): string {
  const changed = (Object.keys(DEFAULT_CHOICES) as Array<keyof MinerChoices>)
    .filter((key) => choices[key] !== DEFAULT_CHOICES[key])
    .map((key) => `${key}=${String(choices[key])}`);
  return changed.length === 0 ? 'default' : changed.join(' ');
}

export interface System {
  name: string;
  messages: readonly string[];
  truth: readonly string[];
  /** What the truth is compared with (--raw: each template's message part). */
  scoredAs?: (parsed: ParsedLine[]) => ParsedLine[];
}

export interface Fold {
  system: string;
  /** The setting picked on the other systems. */
  chosen: MinerChoices;
  /** Its mean objective over the other systems and every kind of input. */
  trainObjective: number;
  /** The held-out system's score with it, per kind of input (in the order of the scores given). */
  heldOut: readonly Accuracy[];
  /** The held-out system's score with the defaults (the plain run), per kind of input. */
  plain: readonly Accuracy[];
}

/** Scores of every candidate (rows) on every system (columns), each through the pipeline. */
export async function scoreAll(
  systems: readonly System[],
  settings: readonly MinerChoices[],
  chunk: number,
  onProgress: (done: number, total: number) => void,
): Promise<Accuracy[][]> {
  const scores: Accuracy[][] = [];
  for (const [k, choices] of settings.entries()) {
    const row: Accuracy[] = [];
    for (const system of systems) {
      const run = await replay(system.messages, new BuiltinGenerator(choices), { chunk, org: system.name });
      const parsed = parsedLines(system.messages, run);
      row.push(accuracy(system.truth, system.scoredAs?.(parsed) ?? parsed));
    }
    scores.push(row);
    onProgress(k + 1, settings.length);
  }
  return scores;
}

/**
 * For each system, the candidate best on the others and its score on that system. `scores`
 * holds one matrix of scoreAll per kind of input, over the same systems and settings; the
 * pick is judged on all of them at once (each run of another system on each kind weighs the
 * same), so a fold picks one setting for every kind. One matrix: the pick for that kind alone.
 */
export function folds(
  systems: readonly string[],
  settings: readonly MinerChoices[],
  scores: ReadonlyArray<readonly Accuracy[][]>,
): Fold[] {
  const at = (kind: readonly Accuracy[][], k: number, s: number): Accuracy => {
    const value = kind[k]?.[s];
    if (value === undefined) throw new Error('scores do not cover every setting and system');
    return value;
  };
  return systems.map((system, held) => {
    let best = 0;
    let bestObjective = -1;
    for (const k of settings.keys()) {
      let sum = 0;
      let runs = 0;
      for (const kind of scores) {
        for (const s of systems.keys()) {
          if (s === held) continue;
          sum += objective(at(kind, k, s));
          runs += 1;
        }
      }
      const value = sum / runs;
      // Strictly better only: on a tie the earlier candidate (the defaults first) stays.
      if (value > bestObjective + 1e-12) {
        best = k;
        bestObjective = value;
      }
    }
    return {
      system,
      chosen: settings[best] ?? DEFAULT_CHOICES,
      trainObjective: bestObjective,
      heldOut: scores.map((kind) => at(kind, best, held)),
      plain: scores.map((kind) => at(kind, 0, held)),
    };
  });
}
