/**
 * Each template's volume within a time window: exact, so the counts of a window add up to the
 * logs stored in it, the logs with no template included (id 0). Read from the aggregates
 * ClickHouse keeps up to date (migrations/007_template_volume.ts) for the whole hours and 10 minutes
 * of the window, and from the logs themselves at its edges (volume-plan.ts, volume-sources.ts).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { TemplateSource } from '../model/template.ts';
import { filterConditions } from './label-filter.ts';
import { isoFromMs } from './templates.ts';
import { planWindow, type VolumePlan, type VolumeQuery } from './volume-plan.ts';

export type { VolumeQuery } from './volume-plan.ts';
import { volumeSources } from './volume-sources.ts';

export interface TemplateVolume {
  /** 0: the logs stored without a template. */
  id: number;
  template: string | null;
  source: TemplateSource | null;
  count: number;
  first_seen: string;
  last_seen: string;
  /** Logs per level within the window, e.g. {"ERROR": 3, "INFO": 40}. */
  levels: Record<string, number>;
  /** With `step`: one count per step from `from`, zeros included. */
  series?: Array<{ time: string; count: number }>;
}

/** Most buckets one series may have: `step` must be at least (to - from) / this. */
export const MAX_SERIES_POINTS = 1440;

/**
 * Series are made for this many templates at most, the loudest in the window (the others
 * have their counts and no `series`): 10,000 templates × 1,440 points would be 14 million
 * points in one answer.
 */
export const MAX_SERIES_TEMPLATES = 500;

/** The WHERE of a window (and a template, and label filters) on the logs table, with its bound parameters. */
export function windowOf(query: VolumeQuery): { where: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = {
    org: query.org,
    from: query.from,
    to: query.to,
    templateId: query.templateId ?? 0,
  };
  const conditions = [
    'org = {org:String}',
    "timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')",
    "timestamp <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')",
  ];
  if (query.templateId !== undefined) conditions.push('template_id = {templateId:UInt64}');
  if (query.filters !== undefined) conditions.push(...filterConditions(query.filters, params));
  return { where: conditions.join('\n  AND '), params };
}

/**
 * `scanLogs`: count from the logs table alone, as before the aggregates (what bench/read.ts
 * measures them against).
 */
export async function templateVolume(
  client: ClickHouseClient,
  db: string,
  query: VolumeQuery,
  retentionDays: number,
  { scanLogs = false }: { scanLogs?: boolean } = {},
): Promise<TemplateVolume[]> {
  // The aggregates have no metadata: a metadata matcher is answered from the logs alone.
  const useAggregates = !scanLogs && !(query.filters ?? []).some((f) => f.column === 'metadata');
  const { sql, params } = volumeSources(
    db,
    query,
    planWindow(query.from, query.to, undefined, useAggregates),
    retentionDays,
    'levels',
  );
  const byLevel = await (
    await client.query({
      query: `SELECT v.template_id AS id, v.level AS level, v.count AS count, v.first AS first, v.last AS last,
  t.template AS template, t.source AS source
FROM (
  SELECT template_id, level, sum(n) AS count,
    toUnixTimestamp64Milli(min(first)) AS first, toUnixTimestamp64Milli(max(last)) AS last
  FROM (
${sql}
  )
  GROUP BY template_id, level
  -- Counts are signed (volume-reconcile.ts): a template all of whose logs a replay moved has 0.
  HAVING sum(n) > 0
) AS v
LEFT JOIN (SELECT template_id, template, source FROM ${db}.templates FINAL WHERE org = {org:String}) AS t
  ON t.template_id = v.template_id`,
      format: 'JSONEachRow',
      query_params: params,
      // A template id with no row in templates (id 0) must join to NULL, not to ''.
      clickhouse_settings: { join_use_nulls: 1 },
    })
  ).json<{
    id: string;
    level: string;
    count: string;
    first: string;
    last: string;
    template: string | null;
    source: TemplateSource | null;
  }>();

  const byId = new Map<number, TemplateVolume & { firstMs: number; lastMs: number }>();
  for (const row of byLevel) {
    const id = Number(row.id);
    const count = Number(row.count);
    let volume = byId.get(id);
    if (volume === undefined) {
      volume = {
        id,
        template: id === 0 ? null : row.template,
        source: id === 0 ? null : row.source,
        count: 0,
        first_seen: '',
        last_seen: '',
        levels: {},
        firstMs: Number.POSITIVE_INFINITY,
        lastMs: Number.NEGATIVE_INFINITY,
      };
      byId.set(id, volume);
    }
    volume.count += count;
    volume.levels[row.level] = (volume.levels[row.level] ?? 0) + count;
    volume.firstMs = Math.min(volume.firstMs, Number(row.first));
    volume.lastMs = Math.max(volume.lastMs, Number(row.last));
  }
  if (query.stepMs !== undefined && byId.size > 0) {
    const plan = planWindow(query.from, query.to, query.stepMs, useAggregates);
    await addSeries(client, db, query, plan, retentionDays, byId);
  }
  return [...byId.values()]
    .map(({ firstMs, lastMs, ...volume }) => ({
      ...volume,
      first_seen: isoFromMs(firstMs),
      last_seen: isoFromMs(lastMs),
    }))
    .sort((a, b) => b.count - a.count || a.id - b.id);
}

async function addSeries(
  client: ClickHouseClient,
  db: string,
  query: VolumeQuery,
  plan: VolumePlan,
  retentionDays: number,
  byId: Map<number, TemplateVolume>,
): Promise<void> {
  const step = query.stepMs as number;
  const points = Math.floor((query.to - query.from) / step) + 1;
  const times = Array.from({ length: points }, (_, i) => isoFromMs(query.from + i * step));
  const loudest = [...byId.values()]
    .sort((a, b) => b.count - a.count || a.id - b.id)
    .slice(0, MAX_SERIES_TEMPLATES);
  for (const volume of loudest) volume.series = times.map((time) => ({ time, count: 0 }));
  // Buckets counted from `from`, not from the epoch: the series starts where the window does.
  const ids = loudest.map((v) => v.id);
  const { sql, params } = volumeSources(db, query, plan, retentionDays, 'series', ids);
  const rows = await (
    await client.query({
      query: `SELECT template_id AS id, point, sum(n) AS count
FROM (
${sql}
)
GROUP BY id, point`,
      format: 'JSONEachRow',
      query_params: params,
    })
  ).json<{ id: string; point: string; count: string }>();
  for (const row of rows) {
    const point = byId.get(Number(row.id))?.series?.[Number(row.point)];
    if (point !== undefined) point.count += Number(row.count);
  }
}
