import type { Migration } from './types.ts';

/** A refined template keeps its id and gets a newer updated_at; reads take the latest (FINAL). */
export const migration: Migration = {
  version: 2,
  name: 'templates',
  statements: ({ db }) => [
    `CREATE TABLE IF NOT EXISTS ${db}.templates
(
  org LowCardinality(String),
  template_id UInt64,
  template String CODEC(ZSTD(1)),
  source LowCardinality(String),
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (org, template_id)`,
  ],
};
