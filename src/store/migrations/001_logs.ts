import type { Migration } from './types.ts';

/**
 * The TTL expression; retention.ts compares and re-applies it when LOG_RETENTION_DAYS changes.
 * Retention counts from arrival, not from the log's own timestamp: a log backfilled with a
 * timestamp older than the retention window is kept like any other, not dropped on insert.
 */
export function logsTtl(retentionDays: number): string {
  return `ingested_at + INTERVAL ${Math.trunc(retentionDays)} DAY`;
}

/**
 * Modelled on the OpenTelemetry exporter's otel_logs:
 * - Sorting key (org, hour, template_id, timestamp): every read is one org; within an hour the
 *   rows of one template are adjacent, so a template filter prunes granules by primary key
 *   (no separate template_id skip index needed) and messages of one template compress together.
 *   Newest-first reads still stop early through the top-K filter on timestamp.
 * - `id`: random UInt64, the cursor's tie-breaker among equal timestamps.
 * - Text index on lower(message): exact posting lists (no false positives, no bloom sizing, unlike
 *   tokenbf_v1) and read directly by hasAllTokens, which is how `q` is pre-filtered (queries.ts).
 * - non_replicated_deduplication_window: makes insert_deduplication_token work on a plain
 *   MergeTree, so a retried batch is stored once.
 * - ttl_only_drop_parts + daily partitions by arrival: expiry drops whole parts instead of
 *   rewriting them (time-range reads are pruned by the primary key's hour, not the partition);
 *   materialize_ttl_recalculate_only keeps a retention change from rewriting data.
 */
export const migration: Migration = {
  version: 1,
  name: 'logs',
  statements: ({ db, retentionDays }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.logs
(
  timestamp DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
  org LowCardinality(String) CODEC(ZSTD(1)),
  dashboard LowCardinality(String) CODEC(ZSTD(1)),
  service LowCardinality(String) CODEC(ZSTD(1)),
  host LowCardinality(String) CODEC(ZSTD(1)),
  level LowCardinality(String) CODEC(ZSTD(1)),
  message String CODEC(ZSTD(1)),
  template_id UInt64 CODEC(ZSTD(1)),
  variables Array(String) CODEC(ZSTD(1)),
  metadata Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  id UInt64 CODEC(ZSTD(1)),
  ingested_at DateTime('UTC') DEFAULT now() CODEC(Delta(4), ZSTD(1)),
  INDEX idx_message lower(message) TYPE text(tokenizer = 'splitByNonAlpha'),
  INDEX idx_metadata_keys mapKeys(metadata) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_metadata_values mapValues(metadata) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(ingested_at)
PRIMARY KEY (org, toStartOfHour(timestamp), template_id)
ORDER BY (org, toStartOfHour(timestamp), template_id, timestamp)
TTL ${logsTtl(retentionDays)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, materialize_ttl_recalculate_only = 1,
  non_replicated_deduplication_window = 1000`,
  ],
};
