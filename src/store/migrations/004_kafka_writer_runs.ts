import type { Migration } from './types.ts';

/**
 * The Kafka writer's ledger of runs (src/store/exactly-once.ts): one row per run of offsets
 * it stores, pending and then done, so that after a crash the same pieces (and so the same
 * dedup tokens) are cut again. ReplacingMergeTree(done): a run's done row supersedes its
 * pending row. Standalone mode never writes it.
 */
export const migration: Migration = {
  version: 4,
  name: 'kafka_writer_runs',
  statements: ({ db }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.kafka_writer_runs
(
  topic String,
  partition UInt32,
  first Int64,
  last Int64,
  done UInt8,
  at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree(done)
ORDER BY (topic, partition, first, last)
TTL at + INTERVAL 30 DAY`,
  ],
};
