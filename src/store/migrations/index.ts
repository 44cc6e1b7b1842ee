import type { ClickHouseClient } from '../client.ts';
import type { Logger } from '../../logger.ts';
import { migration as logs } from './001_logs.ts';
import { migration as templates } from './002_templates.ts';
import { migration as templateStats } from './003_template_stats.ts';
import { migration as kafkaWriterRuns } from './004_kafka_writer_runs.ts';
import { migration as templateShapes } from './005_template_shapes.ts';
import { migration as untemplatedReason } from './006_untemplated_reason.ts';
import { migration as templateVolume } from './007_template_volume.ts';
import { migration as curation } from './008_curation.ts';
import type { Migration, MigrationContext } from './types.ts';

/** In order of version; append only. An applied migration is never edited, a new one is added. */
export const MIGRATIONS: readonly Migration[] = [
  logs,
  templates,
  templateStats,
  kafkaWriterRuns,
  templateShapes,
  untemplatedReason,
  templateVolume,
  curation,
];

/** Applies the migrations not yet recorded in `schema_migrations`; returns the versions applied now. */
export async function runMigrations(
  client: ClickHouseClient,
  ctx: MigrationContext,
  logger: Logger,
): Promise<number[]> {
  const { db } = ctx;
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS ${db}.schema_migrations
(
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY version`,
  });
  const result = await client.query({
    query: `SELECT version FROM ${db}.schema_migrations`,
    format: 'JSONEachRow',
  });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));

  const done: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements(ctx)) await client.command({ query: statement });
    await client.command({
      query: `INSERT INTO ${db}.schema_migrations (version, name) VALUES ({version:UInt32}, {name:String})`,
      query_params: { version: migration.version, name: migration.name },
    });
    logger.info({ version: migration.version, name: migration.name }, 'migration applied');
    done.push(migration.version);
  }
  return done;
}
