/**
 * Rate jumps: every window (TEMPLATE_RATE_WINDOW_SECS, aligned to the clock) the writer counts each
 * template's logs in the window that just ended and in the baseline before it (the
 * TEMPLATE_RATE_BASELINE_WINDOWS windows before), across all orgs in one query, and sends an
 * event for each template whose rate is TEMPLATE_RATE_JUMP times the baseline's or more. The same
 * G statistic as the compare view (store/template-compare.ts) must also say the change is real:
 * with thousands of templates checked every few minutes a 5 % test would fire by chance, so
 * G >= 10.83 (p < 0.001), and at least MIN_COUNT logs in the window. A template with no logs in
 * the baseline is not a jump (it is new to the window, or was silent: `template.new` covers the new).
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RateJumpEvent } from './events.ts';
import { TemplateWebhook } from './webhook.ts';
import { gScore } from '../store/template-compare.ts';
import type { WindowCounts } from '../store/rate-windows.ts';

/** Chi-squared with one degree of freedom at p = 0.001. */
export const JUMP_G = 10.83;
/** Logs a template needs in the window for its rate to count. */
export const MIN_COUNT = 20;

export interface RateJumpOptions {
  factor: number;
  windowMs: number;
  baselineWindows: number;
}

export interface RateJumpDeps extends RateJumpOptions {
  counts(q: { baselineFrom: number; from: number; to: number; minCount: number }): Promise<WindowCounts[]>;
  texts(keys: ReadonlyArray<{ org: string; templateId: number }>): Promise<Map<string, string>>;
  send(events: RateJumpEvent[]): void;
  logger: Logger;
  now?: () => number;
}

/** The jumps among one window's counts (pure: what the tests check). */
export function jumpsIn(
  rows: readonly WindowCounts[],
  o: RateJumpOptions,
): Array<WindowCounts & { rateChange: number; score: number }> {
  const baselineMs = o.windowMs * o.baselineWindows;
  const out: Array<WindowCounts & { rateChange: number; score: number }> = [];
  for (const row of rows) {
    if (row.count < MIN_COUNT || row.baselineCount === 0) continue;
    const rateChange = row.count / o.windowMs / (row.baselineCount / baselineMs);
    if (rateChange < o.factor) continue;
    const score = gScore(row.baselineCount, row.count, baselineMs, o.windowMs);
    if (score >= JUMP_G) out.push({ ...row, rateChange, score });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Checks each window a moment after it ends (logs arrive late and the writer buffers: a quarter
 * of a window, at most 15 s). Returns the stop function; `check` runs one window at once (tests).
 */
export function startRateJumps(deps: RateJumpDeps): {
  stop(): void;
  check(windowEnd: number): Promise<RateJumpEvent[]>;
} {
  const now = deps.now ?? Date.now;
  const graceMs = Math.min(15_000, deps.windowMs / 4);
  const check = async (to: number): Promise<RateJumpEvent[]> => {
    const from = to - deps.windowMs;
    const baselineFrom = from - deps.windowMs * deps.baselineWindows;
    const jumps = jumpsIn(await deps.counts({ baselineFrom, from, to, minCount: MIN_COUNT }), deps);
    if (jumps.length === 0) return [];
    const texts = await deps.texts(jumps);
    const iso = (ms: number) => new Date(ms).toISOString();
    const events = jumps.map((j): RateJumpEvent => ({
      id: `${j.org}:${j.templateId}:jump:${to}`,
      type: 'template.rate_jump',
      org: j.org,
      template_id: j.templateId,
      template: texts.get(`${j.org}:${j.templateId}`) ?? null,
      count: j.count,
      baseline_count: j.baselineCount,
      rate_change: Math.round(j.rateChange * 100) / 100,
      score: Math.round(j.score * 100) / 100,
      from: iso(from),
      to: iso(to),
      baseline_from: iso(baselineFrom),
    }));
    deps.send(events);
    return events;
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const end = Math.floor(now() / deps.windowMs) * deps.windowMs + deps.windowMs;
    timer = setTimeout(
      () => {
        check(end)
          .catch((err: unknown) => deps.logger.warn({ err }, 'rate jumps: the window could not be checked'))
          .finally(schedule);
      },
      end + graceMs - now(),
    );
    timer.unref();
  };
  schedule();
  return {
    check,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * The rate-jump signal of a process that owns storage, when TEMPLATE_WEBHOOK_URL is set and
 * TEMPLATE_RATE_JUMP is not 0; undefined otherwise.
 */
export function rateJumpSignal(
  config: Pick<Config, 'templateWebhookUrl' | 'rateJumps'>,
  windows: Pick<RateJumpDeps, 'counts' | 'texts'>,
  logger: Logger,
): { stop(): void } | undefined {
  const url = config.templateWebhookUrl;
  const { factor, baselineWindows } = config.rateJumps;
  if (url === undefined || factor === 0) return undefined;
  const webhook = new TemplateWebhook({ url, logger: logger.child({ component: 'webhook' }) });
  const jumps = startRateJumps({
    ...windows,
    factor,
    baselineWindows,
    windowMs: config.rateJumps.windowSecs * 1000,
    send: (events) => webhook.send(events),
    logger,
  });
  return {
    stop() {
      jumps.stop();
      webhook.stop();
    },
  };
}
