import type { Migration } from './types.ts';

/**
 * The buckets ClickHouse keeps counts in for the pattern reads (store/template-volume.ts), coarse
 * first: a window is read from the coarsest buckets that fit in it whole, finer ones at its edges,
 * and the logs themselves for what is left (less than 10 minutes at each end, from by_time).
 * No minute grain: with 1,000 templates and hosts, most (template, host, minute) hold one or two
 * logs, so it was nearly as large as the logs, cost a third view on every insert, and read no
 * faster than by_time (npm run bench:read, docs/benchmarks.md).
 */
export const VOLUME_GRAINS = [
  { table: 'template_volume_1h', ms: 3_600_000 },
  { table: 'template_volume_10m', ms: 600_000 },
] as const;

export type VolumeGrain = (typeof VOLUME_GRAINS)[number];

/** The start (epoch ms) of the bucket of `ms` a log's timestamp falls in, from the logs table. */
export function bucketOf(ms: number): string {
  return `toUnixTimestamp64Milli(timestamp) - positiveModulo(toUnixTimestamp64Milli(timestamp), ${ms})`;
}

/**
 * The logs' narrow columns again, sorted by time: what finds the logs at a window's edges (a
 * less than 10 minutes), where the table's own key (by hour, then template) would read whole hours.
 * Part of each part of logs, so it holds exactly what logs holds, through retries, expiry and
 * deletes; the engine reads it instead of the table when that reads fewer granules.
 */
const BY_TIME = `PROJECTION IF NOT EXISTS by_time
  (SELECT timestamp, org, template_id, level, service, host, ingested_at ORDER BY org, timestamp)`;

/**
 * How long a bucket is kept: a day past the logs' retention (the reads take logs that may have
 * expired from the logs table itself, see template-volume.ts), dropped a whole arrival day at a time.
 */
export function volumeTtl(retentionDays: number): string {
  return `arrived + INTERVAL ${Math.trunc(retentionDays) + 1} DAY`;
}

/**
 * One aggregate per grain: per org, bucket, template, level, service and host (what the pattern
 * reads group or filter by) and the arrival day (see volumeTtl), the count of logs and their
 * first and last timestamps. A materialized view fills it from every insert into logs.
 *
 * - `bucket` is the bucket's start in epoch ms (Int64, not DateTime: logs may be dated from 1900).
 * - `count` is signed: a DELETE on logs (a replay's replace) is made good by adding the
 *   difference (store/volume-reconcile.ts).
 * - The target has its own dedup window, as template_stats does: a block deduplicated in logs
 *   (a retried insert, same token) still reaches the view, and is dropped here by the token the
 *   view derives from it (measured with chdb 26.7; without the window it is counted twice).
 * - The backfill counts logs stored before this migration, in one INSERT ... SELECT per grain;
 *   the condition keeps a rerun after a crash mid-migration from counting them twice (a crash
 *   between the view and the backfill would count rows inserted meanwhile in both: the
 *   migration runs at start, before anything is accepted). Its rows span every arrival day kept,
 *   hence no limit on partitions per insert.
 */
export const migration: Migration = {
  version: 7,
  name: 'template_volume',
  statements: ({ db, retentionDays }) => [
    // Without it, a DELETE on a table with a projection is refused (the README's org move, the
    // Kafka writer's replace); with it, the projection of the parts touched is rebuilt.
    `ALTER TABLE ${db}.logs MODIFY SETTING lightweight_mutation_projection_mode = 'rebuild'`,
    `ALTER TABLE ${db}.logs ADD ${BY_TIME}`,
    // Builds it for the parts stored before, in the background; reads are exact meanwhile.
    `ALTER TABLE ${db}.logs MATERIALIZE PROJECTION by_time`,
    ...VOLUME_GRAINS.flatMap(({ table, ms }) => {
      const select = `SELECT org, ${bucketOf(ms)} AS bucket, template_id, level, service, host,
  toDate(ingested_at) AS arrived, toInt64(count()) AS count, min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM ${db}.logs`;
      const groupBy = 'GROUP BY org, bucket, template_id, level, service, host, arrived';
      return [
        `CREATE TABLE IF NOT EXISTS ${db}.${table}
(
  org LowCardinality(String),
  bucket Int64,
  template_id UInt64,
  level LowCardinality(String),
  service LowCardinality(String),
  host LowCardinality(String),
  arrived Date,
  count SimpleAggregateFunction(sum, Int64),
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY arrived
ORDER BY (org, bucket, template_id, level, service, host, arrived)
TTL ${volumeTtl(retentionDays)}
SETTINGS non_replicated_deduplication_window = 1000, ttl_only_drop_parts = 1,
  materialize_ttl_recalculate_only = 1`,
        `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.${table}_mv TO ${db}.${table} AS
${select}
${groupBy}`,
        `INSERT INTO ${db}.${table}
${select}
WHERE (SELECT count() FROM ${db}.${table}) = 0
${groupBy}
SETTINGS max_partitions_per_insert_block = 0`,
      ];
    }),
  ],
};
