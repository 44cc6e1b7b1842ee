// The leave-one-out table (`--leave-one-out`): per system, the held-out score beside the plain
// run's and Drain3's, the setting picked on the other systems, and how often each choice was
// picked over all the folds.
import { DEFAULT_CHOICES, type MinerChoices } from '../../src/generate/builtin/index.ts';
import type { Accuracy } from '../metrics.ts';
import { label, type Fold } from './leave-one-out.ts';

const METRICS = ['GA', 'PA', 'FGA', 'FTA'] as const;
const fixed = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(3));
const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

export interface PeerScores {
  /** What the peer column is: measured in this run, or published figures. */
  name: string;
  bySystem: ReadonlyMap<string, Partial<Pick<Accuracy, (typeof METRICS)[number]>>>;
}

export function printLeaveOneOut(
  folds: readonly Fold[],
  peer: PeerScores,
  candidates: number,
  input: string,
): void {
  console.log(
    `\nLeave-one-out, built-in miner, ${input} (${candidates} settings of the miner's choices, each run on every system; ` +
      `each system scored with the setting of best mean (GA+PA)/2 on the other ${folds.length - 1}; plain = the defaults; ${peer.name})\n`,
  );
  const heads = METRICS.map((m) => `LOO ${m} | plain ${m} | ${peer.name} ${m}`).join(' | ');
  console.log(`| held out | ${heads} | picked on the others |`);
  console.log(`|---|${METRICS.map(() => '---|---|---|').join('')}---|`);
  for (const fold of folds) {
    const drain = peer.bySystem.get(fold.system) ?? {};
    const cells = METRICS.map(
      (m) => `${fixed(fold.heldOut[m])} | ${fixed(fold.plain[m])} | ${fixed(drain[m])}`,
    ).join(' | ');
    console.log(`| ${fold.system} | ${cells} | ${label(fold.chosen)} |`);
  }
  const averages = METRICS.map((m) => {
    const drains = folds.map((fold) => peer.bySystem.get(fold.system)?.[m]);
    const drain = drains.every((v) => v !== undefined) ? fixed(mean(drains)) : '–';
    return `${fixed(mean(folds.map((f) => f.heldOut[m])))} | ${fixed(mean(folds.map((f) => f.plain[m])))} | ${drain}`;
  }).join(' | ');
  console.log(`| average (${folds.length}) | ${averages} | |`);

  const below = folds.flatMap((fold) => {
    const drain = peer.bySystem.get(fold.system);
    return (['GA', 'PA'] as const)
      .filter((m) => drain?.[m] !== undefined && fold.heldOut[m] < (drain[m] ?? 0))
      .map((m) => `${fold.system} ${m} ${fixed(fold.heldOut[m])} < ${fixed(drain?.[m])}`);
  });
  console.log(`\nHeld-out scores below ${peer.name}: ${below.length === 0 ? 'none' : below.join(', ')}`);

  const picks = new Map<string, number>();
  for (const fold of folds) {
    for (const key of Object.keys(DEFAULT_CHOICES) as Array<keyof MinerChoices>) {
      const name = `${key}=${String(fold.chosen[key])}`;
      picks.set(name, (picks.get(name) ?? 0) + 1);
    }
  }
  const summary = [...picks]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => `${name} ${count}/${folds.length}`);
  console.log(`Choices picked over the folds: ${summary.join(', ')}`);
}

export function leaveOneOutJson(folds: readonly Fold[]): unknown {
  const round = (value: number): number => Math.round(value * 1e6) / 1e6;
  const pick = (score: Accuracy) => Object.fromEntries(METRICS.map((m) => [m, round(score[m])]));
  return {
    folds: Object.fromEntries(
      folds.map((fold) => [
        fold.system,
        { heldOut: pick(fold.heldOut), plain: pick(fold.plain), chosen: fold.chosen },
      ]),
    ),
    average: {
      heldOut: Object.fromEntries(METRICS.map((m) => [m, round(mean(folds.map((f) => f.heldOut[m])))])),
      plain: Object.fromEntries(METRICS.map((m) => [m, round(mean(folds.map((f) => f.plain[m])))])),
    },
  };
}
