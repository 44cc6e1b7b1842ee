// The leave-one-out tables (`--leave-one-out`): for each kind of input, per system, the held-out
// score with the setting picked on the other systems over both kinds (the service's one
// configuration), beside the pick made on that kind alone, the plain run's and Drain3's; then
// the settings picked and how often each choice was picked over all the folds.
import { DEFAULT_CHOICES, type MinerChoices } from '../../src/generate/builtin/index.ts';
import type { Accuracy } from '../metrics.ts';
import { label, type Fold } from './leave-one-out.ts';

const METRICS = ['GA', 'PA', 'FGA', 'FTA'] as const;
type Metric = (typeof METRICS)[number];
const fixed = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(3));
const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

export interface PeerScores {
  /** What the peer column is: measured in this run, or published figures. */
  name: string;
  bySystem: ReadonlyMap<string, Partial<Pick<Accuracy, Metric>>>;
}

/** One kind of input, in the order of the score matrices the joint folds were picked on. */
export interface KindReport {
  /** What was sent (`messages cut with settings.json`, `whole lines`). */
  input: string;
  /** Drain3 on the same input. */
  peer: PeerScores;
  /** The folds picked on this kind alone (their heldOut and plain have this kind only). */
  alone: readonly Fold[];
}

/** The score of `fold` on kind `kind` (joint folds) or on its only kind (folds picked alone). */
const heldOut = (fold: Fold, kind: number): Accuracy => {
  const score = fold.heldOut[kind];
  if (score === undefined) throw new Error(`fold ${fold.system} has no score for kind ${kind}`);
  return score;
};
const plain = (fold: Fold, kind: number): Accuracy => {
  const score = fold.plain[kind];
  if (score === undefined) throw new Error(`fold ${fold.system} has no plain score for kind ${kind}`);
  return score;
};

/** Held-out GA or PA below the peer's, as `System GA 0.340 < 0.556`. */
function belowPeer(folds: readonly Fold[], kind: number, peer: PeerScores): string {
  const below = folds.flatMap((fold) => {
    const drain = peer.bySystem.get(fold.system);
    return (['GA', 'PA'] as const).flatMap((m) => {
      const theirs = drain?.[m];
      const ours = heldOut(fold, kind)[m];
      return theirs !== undefined && ours < theirs
        ? [`${fold.system} ${m} ${fixed(ours)} < ${fixed(theirs)}`]
        : [];
    });
  });
  return below.length === 0 ? 'none' : below.join(', ');
}

/** How often each value of each choice was picked over the folds. */
function pickCounts(folds: readonly Fold[]): string {
  const picks = new Map<string, number>();
  for (const fold of folds) {
    for (const key of Object.keys(DEFAULT_CHOICES) as Array<keyof MinerChoices>) {
      const name = `${key}=${String(fold.chosen[key])}`;
      picks.set(name, (picks.get(name) ?? 0) + 1);
    }
  }
  return [...picks]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, count]) => `${name} ${count}/${folds.length}`)
    .join(', ');
}

export function printLeaveOneOut(
  joint: readonly Fold[],
  kinds: readonly KindReport[],
  candidates: number,
): void {
  const others = joint.length - 1;
  console.log(
    `\nLeave-one-out, built-in miner (${candidates} settings of the miner's choices, each run on every system ` +
      `and every kind of input; joint = each system scored with the one setting of best mean (GA+PA)/2 over the other ` +
      `${others} systems' runs on ${kinds.map((k) => k.input).join(' and ')}; per kind = picked on this kind of input only; plain = the defaults)`,
  );
  for (const [k, kind] of kinds.entries()) {
    const peer = kind.peer.name;
    console.log(`\n${kind.input}\n`);
    const heads = (['GA', 'PA'] as const)
      .map((m) => `joint ${m} | per kind ${m} | plain ${m} | ${peer} ${m}`)
      .join(' | ');
    console.log(
      `| held out | ${heads} | picked on the others, both kinds | picked on the others, this kind alone |`,
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    const cells = (metric: Metric, fold: Fold, alone: Fold | undefined): string =>
      [
        fixed(heldOut(fold, k)[metric]),
        fixed(alone === undefined ? undefined : heldOut(alone, 0)[metric]),
        fixed(plain(fold, k)[metric]),
        fixed(kind.peer.bySystem.get(fold.system)?.[metric]),
      ].join(' | ');
    for (const [s, fold] of joint.entries()) {
      const alone = kind.alone[s];
      console.log(
        `| ${fold.system} | ${cells('GA', fold, alone)} | ${cells('PA', fold, alone)} | ${label(fold.chosen)} | ` +
          `${alone === undefined ? '–' : label(alone.chosen)} |`,
      );
    }
    const averages = (metric: Metric): string[] => {
      const drains = joint.map((fold) => kind.peer.bySystem.get(fold.system)?.[metric]);
      return [
        fixed(mean(joint.map((fold) => heldOut(fold, k)[metric]))),
        fixed(mean(kind.alone.map((fold) => heldOut(fold, 0)[metric]))),
        fixed(mean(joint.map((fold) => plain(fold, k)[metric]))),
        drains.every((v) => v !== undefined) ? fixed(mean(drains)) : '–',
      ];
    };
    console.log(
      `| average (${joint.length}) | ${averages('GA').join(' | ')} | ${averages('PA').join(' | ')} | | |`,
    );
    const fgaFta = (['FGA', 'FTA'] as const).map((m) => averages(m));
    const pair = (i: number): string => `${fgaFta[0]?.[i] ?? '–'} / ${fgaFta[1]?.[i] ?? '–'}`;
    console.log(
      `\nFGA / FTA averages: joint ${pair(0)}, per kind ${pair(1)}, plain ${pair(2)}, ${peer} ${pair(3)}.`,
    );
    console.log(
      `Held-out scores below ${peer}: joint ${belowPeer(joint, k, kind.peer)}; per kind ${belowPeer(kind.alone, 0, kind.peer)}`,
    );
    console.log(`Choices picked over the folds, this kind alone: ${pickCounts(kind.alone)}`);
  }
  console.log(`\nChoices picked over the folds, both kinds: ${pickCounts(joint)}`);
}

export function leaveOneOutJson(joint: readonly Fold[], kinds: readonly KindReport[]): unknown {
  const round = (value: number): number => Math.round(value * 1e6) / 1e6;
  const pick = (score: Accuracy) => Object.fromEntries(METRICS.map((m) => [m, round(score[m])]));
  const average = (folds: readonly Fold[], of: (fold: Fold) => Accuracy) =>
    Object.fromEntries(METRICS.map((m) => [m, round(mean(folds.map((fold) => of(fold)[m])))]));
  return {
    chosen: Object.fromEntries(joint.map((fold) => [fold.system, fold.chosen])),
    kinds: kinds.map((kind, k) => ({
      input: kind.input,
      peer: kind.peer.name,
      folds: Object.fromEntries(
        joint.map((fold, s) => {
          const alone = kind.alone[s];
          return [
            fold.system,
            {
              heldOut: pick(heldOut(fold, k)),
              plain: pick(plain(fold, k)),
              ...(alone === undefined ? {} : { alone: pick(heldOut(alone, 0)), chosenAlone: alone.chosen }),
              peer: kind.peer.bySystem.get(fold.system) ?? {},
            },
          ];
        }),
      ),
      average: {
        heldOut: average(joint, (fold) => heldOut(fold, k)),
        alone: average(kind.alone, (fold) => heldOut(fold, 0)),
        plain: average(joint, (fold) => plain(fold, k)),
      },
    })),
  };
}
