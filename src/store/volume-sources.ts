/**
 * The SQL that reads a window's counts from where the plan (volume-plan.ts) says: one SELECT per
 * table and shift, joined by UNION ALL, each grouped the same way, so the caller sums them as one.
 *
 * Exactness against retention: logs expire by arrival (ingested_at) and whole parts at a time,
 * so an aggregate cannot drop its counts at the moment the logs go. Its rows carry the arrival
 * day instead: a day from which no log can have expired yet (after the day of now - retention)
 * is read from the aggregate, anything older from the logs table, which holds exactly what is
 * left of it (partition pruning keeps that scan to the oldest days), counted in the aggregate's
 * buckets so it lands in the same step. now() is the engine's clock, the one TTL uses, and one
 * value for the whole query.
 *
 * A second source of counts (e.g. lines an ingest rule dropped) is one more Source here with the
 * same columns.
 */
import { filterConditions } from './label-filter.ts';
import type { Shift, Span, VolumePlan, VolumeQuery } from './volume-plan.ts';

/**
 * `levels`: (template_id, level, n, first, last), for a plan without a step; `series`:
 * (template_id, point, n), point the step's index, n signed (a shifted span takes logs off a step).
 */
export type VolumeShape = 'levels' | 'series';

interface Source {
  table: string;
  spans: readonly Span[];
  shift: Shift;
  /** The condition that a row lies in [{a}, {b}). */
  within(a: string, b: string): string;
  /** Epoch ms that decides the row's step: its bucket's middle for an aggregate's buckets. */
  time: string;
  count: string;
  first: string;
  last: string;
  extra: string[];
}

const CUTOFF = 'toDate(now() - toIntervalDay({retentionDays:UInt32})) + 1';
const MS = 'toUnixTimestamp64Milli(timestamp)';

function logsSource(
  db: string,
  spans: readonly Span[],
  shift: Shift,
  time: string,
  extra: string[] = [],
): Source {
  return {
    table: `${db}.logs`,
    spans,
    shift,
    within: (a, b) =>
      `timestamp >= fromUnixTimestamp64Milli(${a}, 'UTC') AND timestamp < fromUnixTimestamp64Milli(${b}, 'UTC')`,
    time,
    count: 'count()',
    first: 'min(timestamp)',
    last: 'max(timestamp)',
    extra,
  };
}

function byShift(spans: readonly Span[]): Array<[Shift, Span[]]> {
  return ([0, -1, 1] as const)
    .map((shift): [Shift, Span[]] => [shift, spans.filter((s) => s.shift === shift)])
    .filter(([, list]) => list.length > 0);
}

function sources(db: string, plan: VolumePlan): Source[] {
  const out: Source[] = [];
  for (const { grain, spans } of plan.grains) {
    for (const [shift, list] of byShift(spans)) {
      out.push({
        table: `${db}.${grain.table}`,
        spans: list,
        shift,
        within: (a, b) => `bucket >= ${a} AND bucket < ${b}`,
        time: `bucket + ${grain.ms / 2}`,
        count: 'sum(count)',
        first: 'min(first_seen)',
        last: 'max(last_seen)',
        extra: [`arrived >= ${CUTOFF}`],
      });
      const bucketMiddle = `${MS} - positiveModulo(${MS}, ${grain.ms}) + ${grain.ms / 2}`;
      out.push(logsSource(db, list, shift, bucketMiddle, [`ingested_at < toDateTime(${CUTOFF}, 'UTC')`]));
    }
  }
  for (const [shift, list] of byShift(plan.logs)) out.push(logsSource(db, list, shift, MS));
  return out;
}

/**
 * The UNION ALL of every source of the plan, for `FROM (...)`, with its bound parameters.
 * `series` needs `stepMs` and `ids` (the templates to make series for).
 */
export function volumeSources(
  db: string,
  query: VolumeQuery,
  plan: VolumePlan,
  retentionDays: number,
  shape: VolumeShape,
  ids: readonly number[] = [],
): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { org: query.org, from: query.from, retentionDays };
  const common = ['org = {org:String}'];
  if (query.templateId !== undefined) {
    common.push('template_id = {templateId:UInt64}');
    params['templateId'] = query.templateId;
  }
  if (shape === 'series') {
    common.push('template_id IN {ids:Array(UInt64)}');
    params['ids'] = ids;
    params['step'] = query.stepMs;
  }
  // Bound once, used by every source: the aggregates have the same label columns as logs.
  if (query.filters !== undefined) common.push(...filterConditions(query.filters, params));
  const selects = sources(db, plan).map((source, s) => {
    const spans = source.spans.map((span, i) => {
      params[`s${s}a${i}`] = span.from;
      params[`s${s}b${i}`] = span.to;
      return `(${source.within(`{s${s}a${i}:Int64}`, `{s${s}b${i}:Int64}`)})`;
    });
    const where = [...common, ...source.extra, `(${spans.join(' OR ')})`].join('\n  AND ');
    if (shape === 'levels') {
      if (source.shift !== 0) throw new Error('a plan with a step has no level totals');
      return `SELECT template_id, level, toInt64(${source.count}) AS n, ${source.first} AS first, ${source.last} AS last
FROM ${source.table}
WHERE ${where}
GROUP BY template_id, level`;
    }
    // Not aliased `bucket`: an alias is visible in WHERE and would shadow the aggregates' column.
    const grouped = (point: string, n: string) =>
      `SELECT template_id, intDiv(${source.time} - {from:Int64}, {step:Int64}) AS ${point}, toInt64(${source.count}) AS ${n}
FROM ${source.table}
WHERE ${where}
GROUP BY template_id, ${point}`;
    if (source.shift === 0) return grouped('point', 'n');
    // Counted in their own step, and taken off the step their bucket was counted in.
    return `SELECT template_id, moved.1 AS point, moved.2 AS n FROM (
${grouped('own', 'c')}
) ARRAY JOIN [(own, c), (own + ${source.shift}, -c)] AS moved`;
  });
  return { sql: selects.join('\nUNION ALL\n'), params };
}
