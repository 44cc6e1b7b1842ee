/**
 * Which parts of a window are read from which table, so that a count stays exact for any
 * millisecond bounds and any step: a bucket of an aggregate (migrations/007_template_volume.ts)
 * is read only when it lies whole inside the window and inside one step of the series; the
 * coarsest buckets that fit are taken, finer ones around them, and the logs table is scanned for
 * the rest (less than a minute at each end of each step). Spans are half-open, in epoch ms.
 */
import { VOLUME_GRAINS, type VolumeGrain } from './migrations/007_template_volume.ts';

export interface Span {
  from: number;
  /** Exclusive. */
  to: number;
}

export interface VolumePlan {
  /** Per grain, coarse first: the whole buckets read from its aggregate. */
  grains: Array<{ grain: VolumeGrain; spans: Span[] }>;
  /** Read from the logs table. */
  logs: Span[];
}

/**
 * Most spans in one plan (the conditions of one query). A step that does not line up with
 * minutes needs logs at every step's edge; past this many, the whole window is read from the
 * logs, as before the aggregates: exact, only slower.
 */
export const MAX_SPANS = 200;

/** `from` and `to` inclusive, as the API's window; `stepMs` the series' step, if any. */
export function planWindow(
  from: number,
  to: number,
  stepMs: number | undefined,
  useAggregates = true,
): VolumePlan {
  const whole: VolumePlan = { grains: [], logs: [{ from, to: to + 1 }] };
  if (!useAggregates) return whole;
  const spans = VOLUME_GRAINS.map(() => [] as Span[]);
  const logs: Span[] = [];
  const split = (start: number, end: number, level: number): void => {
    if (start >= end) return;
    const grain = VOLUME_GRAINS[level];
    if (grain === undefined) {
      add(logs, start, end);
      return;
    }
    const first = Math.ceil(start / grain.ms) * grain.ms;
    const last = Math.floor(end / grain.ms) * grain.ms;
    if (first >= last) {
      split(start, end, level + 1);
      return;
    }
    split(start, first, level + 1);
    add(spans[level] as Span[], first, last);
    split(last, end, level + 1);
  };
  const step = stepMs ?? to + 1 - from;
  for (let start = from; start <= to; start += step) {
    split(start, Math.min(start + step, to + 1), 0);
    if (logs.length + spans.reduce((n, s) => n + s.length, 0) > MAX_SPANS) return whole;
  }
  return { grains: VOLUME_GRAINS.map((grain, i) => ({ grain, spans: spans[i] as Span[] })), logs };
}

/** Appends [from, to), joined to the last span when they touch. */
function add(spans: Span[], from: number, to: number): void {
  const last = spans.at(-1);
  if (last !== undefined && last.to === from) last.to = to;
  else spans.push({ from, to });
}
