import type { Migration } from './types.ts';

/**
 * Curation (model/curation.ts): the latest decision per template (a change replaces the row:
 * ReplacingMergeTree on updated_at, read FINAL), and every change as it was made, kept for as
 * long as the store (who, when, what: the before and after as JSON).
 */
export const migration: Migration = {
  version: 8,
  name: 'curation',
  statements: ({ db }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.template_curation
(
  org LowCardinality(String),
  template_id UInt64,
  name String,
  note String CODEC(ZSTD(1)),
  rule LowCardinality(String),
  sample_percent Float64,
  merged_into UInt64,
  updated_at DateTime64(3, 'UTC'),
  updated_by String
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (org, template_id)`,
    `CREATE TABLE IF NOT EXISTS ${db}.template_changes
(
  org LowCardinality(String),
  template_id UInt64,
  at DateTime64(3, 'UTC'),
  actor String,
  action LowCardinality(String),
  before String CODEC(ZSTD(1)),
  after String CODEC(ZSTD(1))
)
ENGINE = MergeTree
ORDER BY (org, at, template_id)`,
  ],
};
