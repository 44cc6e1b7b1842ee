import type { Migration } from './types.ts';

/**
 * Why a log has no template (model/untemplated.ts), with the log: '' for logs with one, and for
 * logs stored before (read back as `unknown`). `untemplated_stats` keeps, per org and reason, the
 * count and first/last seen of the logs stored without a template, as template_stats does per
 * template (the same dedup window, so a retried batch is not counted twice): GET /templates'
 * all-time id-0 entry reads it, and its counts add up to template_stats' id 0. The logs without
 * a template stored before this migration are backfilled from template_stats as reason ''.
 */
export const migration: Migration = {
  version: 6,
  name: 'untemplated_reason',
  statements: ({ db }) => [
    `ALTER TABLE ${db}.logs ADD COLUMN IF NOT EXISTS untemplated_reason LowCardinality(String) CODEC(ZSTD(1))`,
    `CREATE TABLE IF NOT EXISTS ${db}.untemplated_stats
(
  org LowCardinality(String),
  reason LowCardinality(String),
  count SimpleAggregateFunction(sum, UInt64),
  first_seen SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
  last_seen SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (org, reason)
SETTINGS non_replicated_deduplication_window = 1000`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.untemplated_stats_mv TO ${db}.untemplated_stats AS
SELECT org, untemplated_reason AS reason, count() AS count, min(timestamp) AS first_seen, max(timestamp) AS last_seen
FROM ${db}.logs
WHERE template_id = 0
GROUP BY org, reason`,
    `INSERT INTO ${db}.untemplated_stats
SELECT org, '', sum(count), min(first_seen), max(last_seen)
FROM ${db}.template_stats
WHERE template_id = 0 AND (SELECT count() FROM ${db}.untemplated_stats) = 0
GROUP BY org`,
  ],
};
