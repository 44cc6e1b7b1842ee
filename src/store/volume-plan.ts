/**
 * Which parts of a window are read from which table, so that a count stays exact for any
 * millisecond bounds and any step. Spans are half-open, in epoch ms.
 *
 * A bucket of an aggregate (migrations/007_template_volume.ts) is read only when it lies whole
 * inside the window; the coarsest buckets that fit are taken, finer ones around them, and the
 * logs (their time-sorted projection) for the rest: less than 10 minutes at each end.
 *
 * With a series, a bucket may also straddle one boundary between two steps (a window from
 * "now - 24 h" puts one inside every hour). It is counted whole in the step that holds its
 * middle, and the logs of its smaller side, read from finer sources, are moved to the step they
 * belong to: counted there and taken off the bucket's step (a span's `shift`, -1 or +1, says
 * where the bucket's step is from theirs). So at most half of each such bucket is read finer.
 */
import type { LabelFilter } from './label-filter.ts';
import { VOLUME_GRAINS, type VolumeGrain } from './migrations/007_template_volume.ts';

/** What a volume read asks for (GET /templates with a window, /templates/{id}, compare, Loki patterns). */
export interface VolumeQuery {
  org: string;
  /** Epoch ms, inclusive. */
  from: number;
  to: number;
  /** Bucket width in ms for a series (`step`); undefined: no series. */
  stepMs?: number | undefined;
  /** Only this template (GET /templates/{id}). */
  templateId?: number | undefined;
  /** Only logs whose labels match (the Loki patterns API's stream selector). */
  filters?: readonly LabelFilter[] | undefined;
}

/** 0: rows counted in their own step. -1 / +1: also taken off the step before / after theirs. */
export type Shift = -1 | 0 | 1;

export interface Span {
  from: number;
  /** Exclusive. */
  to: number;
  shift: Shift;
}

export interface VolumePlan {
  /** Per grain, coarse first: the buckets read from its aggregate. */
  grains: Array<{ grain: VolumeGrain; spans: Span[] }>;
  /** Read from the logs table. */
  logs: Span[];
}

/**
 * Most spans in one plan (the conditions of one query). Past this many (a step shorter than 10
 * minutes and off them, over a long window), the whole window is read from the logs, as before
 * the aggregates: exact, only slower.
 */
export const MAX_SPANS = 400;

/** `from` and `to` inclusive, as the API's window; `stepMs` the series' step, if any. */
export function planWindow(
  from: number,
  to: number,
  stepMs: number | undefined,
  useAggregates = true,
): VolumePlan {
  const end = to + 1;
  const whole: VolumePlan = { grains: [], logs: [{ from, to: end, shift: 0 }] };
  if (!useAggregates) return whole;
  const spans = VOLUME_GRAINS.map(() => [] as Span[]);
  const logs: Span[] = [];
  /** The first step boundary after `at` (exclusive of `at` itself), or Infinity. */
  const nextBoundary = (at: number): number =>
    stepMs === undefined ? Number.POSITIVE_INFINITY : from + (Math.floor((at - from) / stepMs) + 1) * stepMs;

  const split = (start: number, stop: number, level: number, shift: Shift): void => {
    if (start >= stop) return;
    const grain = VOLUME_GRAINS[level];
    if (grain === undefined) {
      add(logs, start, stop, shift);
      return;
    }
    const first = Math.ceil(start / grain.ms) * grain.ms;
    const last = Math.floor(stop / grain.ms) * grain.ms;
    if (first >= last) {
      split(start, stop, level + 1, shift);
      return;
    }
    split(start, first, level + 1, shift);
    for (let bucket = first; bucket < last;) {
      const bucketEnd = bucket + grain.ms;
      const boundary = nextBoundary(bucket);
      if (boundary >= bucketEnd) {
        // Every bucket up to the one the boundary falls in lies in one step: taken at once (an
        // all-time window is 500,000 hours).
        const clean = Math.min(last, Math.floor(boundary / grain.ms) * grain.ms);
        add(spans[level] as Span[], bucket, clean, shift);
        bucket = clean;
        continue;
      }
      if (shift === 0 && nextBoundary(boundary) >= bucketEnd) {
        // One boundary inside: the bucket goes to the step of its middle, its other side moves.
        add(spans[level] as Span[], bucket, bucketEnd, 0);
        if (boundary > bucket + grain.ms / 2) split(boundary, bucketEnd, level + 1, -1);
        else split(bucket, boundary, level + 1, 1);
      } else {
        split(bucket, bucketEnd, level + 1, shift);
      }
      bucket = bucketEnd;
    }
    split(last, stop, level + 1, shift);
  };
  split(from, end, 0, 0);
  const count = logs.length + spans.reduce((n, s) => n + s.length, 0);
  if (count > MAX_SPANS) return whole;
  return { grains: VOLUME_GRAINS.map((grain, i) => ({ grain, spans: spans[i] as Span[] })), logs };
}

/** Appends [from, to), joined to the last span when they touch and move alike. */
function add(spans: Span[], from: number, to: number, shift: Shift): void {
  const last = spans.at(-1);
  if (last !== undefined && last.to === from && last.shift === shift) last.to = to;
  else spans.push({ from, to, shift });
}
