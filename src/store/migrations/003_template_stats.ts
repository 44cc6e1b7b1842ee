import type { Migration } from './types.ts';

/**
 * Per (org, template) count and first/last seen, kept by a materialized view so listing templates
 * reads a row per template instead of scanning logs. The target has its own dedup window: with
 * it, a batch deduplicated in `logs` is not counted twice here (measured; without it, it is).
 * Counts are of logs ever stored: they do not shrink when retention drops old parts.
 * The backfill covers logs written before this migration (none on a fresh install).
 */
export const migration: Migration = {
  version: 3,
  name: 'template_stats',
  statements: ({ db }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.template_stats
(
  org LowCardinality(String),
  template_id UInt64,
  count SimpleAggregateFunction(sum, UInt64),
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (org, template_id)
SETTINGS non_replicated_deduplication_window = 1000`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.template_stats_mv TO ${db}.template_stats AS
SELECT org, template_id, count() AS count, min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM ${db}.logs
GROUP BY org, template_id`,
    `INSERT INTO ${db}.template_stats
SELECT org, template_id, count(), min(timestamp), max(timestamp)
FROM ${db}.logs
WHERE (SELECT count() FROM ${db}.template_stats) = 0
GROUP BY org, template_id`,
  ],
};
