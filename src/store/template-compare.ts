/**
 * Two windows of an org's templates side by side (GET /templates/compare), as Sumo Logic's
 * LogCompare does: what is new, what is gone, and what changed rate, most significant first.
 *
 * The score is the G statistic (the log-likelihood ratio) of a template's two counts against
 * one shared rate, each window weighted by its length: G = 2 Σ k ln(k / e), e = (a + b)·T/(Ta + Tb).
 * Counts of log lines are Poisson-like; G compares them without the normal approximation a
 * z-test of rates makes for small counts, is 0 for the same rate, grows with both the size of
 * the change and the evidence for it (10 → 20 scores lower than 1,000 → 2,000), and is
 * chi-squared with one degree of freedom: above 3.84 the change is significant at 5%.
 */
import type { TemplateVolume } from './template-volume.ts';

/** G above this (chi-squared, 1 degree of freedom, p < 0.05) makes a template `changed`. */
export const SIGNIFICANT_G = 3.84;

export interface TemplateChangeReport {
  template_id: number;
  template: string | null;
  status: 'new' | 'gone' | 'changed';
  baseline_count: number;
  count: number;
  /** Logs per hour in the target window over that in the baseline; null when either is 0. */
  rate_change: number | null;
  /** The G statistic: how significant the difference is. */
  score: number;
}

function term(k: number, expected: number): number {
  return k === 0 ? 0 : k * Math.log(k / expected);
}

export function gScore(a: number, b: number, baselineMs: number, targetMs: number): number {
  const total = a + b;
  if (total === 0) return 0;
  const ea = (total * baselineMs) / (baselineMs + targetMs);
  const eb = total - ea;
  return Math.max(0, 2 * (term(a, ea) + term(b, eb)));
}

export function compareWindows(
  baseline: readonly TemplateVolume[],
  target: readonly TemplateVolume[],
  baselineMs: number,
  targetMs: number,
): { templates: TemplateChangeReport[]; unchanged: number } {
  const before = new Map(baseline.map((v) => [v.id, v]));
  const after = new Map(target.map((v) => [v.id, v]));
  const ids = new Set([...before.keys(), ...after.keys()]);
  const templates: TemplateChangeReport[] = [];
  let unchanged = 0;
  for (const id of ids) {
    const a = before.get(id)?.count ?? 0;
    const b = after.get(id)?.count ?? 0;
    const score = gScore(a, b, baselineMs, targetMs);
    const status = a === 0 ? 'new' : b === 0 ? 'gone' : score >= SIGNIFICANT_G ? 'changed' : undefined;
    if (status === undefined) {
      unchanged++;
      continue;
    }
    templates.push({
      template_id: id,
      template: after.get(id)?.template ?? before.get(id)?.template ?? null,
      status,
      baseline_count: a,
      count: b,
      rate_change: a === 0 || b === 0 ? null : b / targetMs / (a / baselineMs),
      score: Math.round(score * 100) / 100,
    });
  }
  templates.sort((x, y) => y.score - x.score || x.template_id - y.template_id);
  return { templates, unchanged };
}
