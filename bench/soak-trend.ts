// How bench:soak decides whether a figure grows. A figure sampled once a minute at one point of
// a load cycle reads a sawtooth (a heap between collections, a buffer between flushes) at a
// random phase, and a least-squares line through such points "grows" or "shrinks" by chance.
// So the soak samples every few seconds, keeps each minute's peak and floor, and fits each of
// those two series with the Theil-Sen slope (the median of the slopes between every pair of
// points), which one odd minute cannot swing. A leak lifts the floor (what survives every
// collection or flush); a queue that stops draining lifts the peak. Both must stay flat.

/** One reading of every figure, `atMs` after the run started. */
export interface Reading {
  readonly atMs: number;
  readonly values: Readonly<Record<string, number>>;
}

/** A minute's peak and floor of each figure. */
export interface MinuteSpan {
  /** 1 for the first minute of the run. */
  readonly minute: number;
  readonly peak: Readonly<Record<string, number>>;
  readonly floor: Readonly<Record<string, number>>;
}

/**
 * Groups readings by minute; a minute with fewer than `minReadings` readings (the tail of a
 * run that ended mid-minute) is left out rather than read as a minute.
 */
export function minuteSpans(readings: readonly Reading[], minReadings: number): MinuteSpan[] {
  const byMinute = new Map<number, Reading[]>();
  for (const r of readings) {
    const minute = Math.floor(r.atMs / 60_000) + 1;
    const list = byMinute.get(minute) ?? [];
    list.push(r);
    byMinute.set(minute, list);
  }
  const spans: MinuteSpan[] = [];
  for (const [minute, list] of [...byMinute].sort((a, b) => a[0] - b[0])) {
    if (list.length < minReadings) continue;
    const peak: Record<string, number> = {};
    const floor: Record<string, number> = {};
    for (const r of list) {
      for (const [name, v] of Object.entries(r.values)) {
        peak[name] = Math.max(peak[name] ?? -Infinity, v);
        floor[name] = Math.min(floor[name] ?? Infinity, v);
      }
    }
    spans.push({ minute, peak, floor });
  }
  return spans;
}

/** Theil-Sen slope of y over x: the median of the slopes between every pair of points. */
export function theilSenSlope(points: ReadonlyArray<readonly [number, number]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const [xi, yi] = points[i] as readonly [number, number];
      const [xj, yj] = points[j] as readonly [number, number];
      if (xj !== xi) slopes.push((yj - yi) / (xj - xi));
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 === 1
    ? (slopes[mid] as number)
    : ((slopes[mid - 1] as number) + (slopes[mid] as number)) / 2;
}

/** A figure's trend over the last half of the run, and the limit it is held to. */
export interface Trend {
  readonly figure: string;
  readonly series: 'peak' | 'floor';
  /** Units per minute. */
  readonly slope: number;
  /** Units per minute: 5 % of the series' mean level over the half (at least `minUnit`) per half. */
  readonly limit: number;
  readonly level: number;
  readonly minutes: number;
}

/** The peak and floor trends of every figure over the last half of the minutes. */
export function lastHalfTrends(
  spans: readonly MinuteSpan[],
  figures: readonly string[],
  minUnit = 1,
): Trend[] {
  const half = spans.slice(Math.floor(spans.length / 2));
  const minutes = Math.max(1, (half.at(-1)?.minute ?? 1) - (half[0]?.minute ?? 0));
  const trends: Trend[] = [];
  for (const figure of figures) {
    for (const series of ['peak', 'floor'] as const) {
      const points = half.map((s) => [s.minute, s[series][figure] ?? 0] as const);
      const level = points.reduce((sum, [, y]) => sum + y, 0) / Math.max(1, points.length);
      trends.push({
        figure,
        series,
        slope: theilSenSlope(points),
        limit: Math.max(0.05 * Math.abs(level), minUnit) / minutes,
        level,
        minutes,
      });
    }
  }
  return trends;
}
