// What became of the noisy stand-in's damaged answers: per kind, how many were sent and how
// many are among the run's final templates, and, the point of the exercise, how many of
// those that fail the generator's checks (no constant text, or matching and re-creating none
// of the lines they were sent for) ended up in use. That last number must be 0.
import { checkTemplate } from '../../src/generate/llm/checks.ts';
import { NOISE_MIX, type NoiseKind, type NoisyResponder } from './stand-ins.ts';

export interface NoiseReport {
  /** Answers sent, per kind (errors and garbage included). */
  sent: Record<NoiseKind, number>;
  /** Distinct damaged templates among the final templates, per kind. */
  inUse: Record<NoiseKind, number>;
  /**
   * Distinct damaged templates that failed the checks on every request they were sent for
   * (one text can be sent for several requests and pass on one of them: then it is fine).
   */
  failing: number;
  /** Of those, the ones among the final templates: must be 0. */
  failingInUse: number;
}

export function noiseReport(
  org: string,
  noise: NoisyResponder,
  texts: ReadonlyMap<number, string>,
): NoiseReport {
  const final = new Set(texts.values());
  const inUse = Object.fromEntries(NOISE_MIX.map(([kind]) => [kind, 0])) as Record<NoiseKind, number>;
  /** Damaged text → its kind (the first one sent) and whether it passed the checks on any request. */
  const verdicts = new Map<string, { kind: NoiseKind; passedOnce: boolean }>();
  for (const sent of noise.damaged) {
    const passed = checkTemplate(org, sent.template, sent.lines).rejected === undefined;
    const known = verdicts.get(sent.template);
    if (known === undefined) verdicts.set(sent.template, { kind: sent.kind, passedOnce: passed });
    else known.passedOnce ||= passed;
  }
  let failing = 0;
  let failingInUse = 0;
  for (const [template, { kind, passedOnce }] of verdicts) {
    const used = final.has(template);
    if (used) inUse[kind]++;
    if (!passedOnce) {
      failing++;
      if (used) failingInUse++;
    }
  }
  return { sent: { ...noise.counts }, inUse, failing, failingInUse };
}
