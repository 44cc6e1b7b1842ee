import type { Logger } from '../logger.ts';
import type { ClickHouseClient } from './client.ts';

/** The tables whose parts a power loss must not take once an insert returned. */
const TABLES = ['logs', 'templates'] as const;

/**
 * With INGEST_WAL_SYNC=fsync a segment of the write-ahead log is deleted once its logs are
 * inserted, so the insert itself must be on disk by then: ClickHouse writes parts without
 * fsync by default (a crash of the process keeps them in the page cache; a power loss may
 * not). fsync_after_insert and fsync_part_directory make every insert fsync its part files
 * and directory before it returns. Set to what the WAL promises at each start, so turning
 * the setting off also turns the cost off.
 */
export async function applyPartFsync(
  client: ClickHouseClient,
  db: string,
  on: boolean,
  logger: Logger,
): Promise<void> {
  const value = on ? 1 : 0;
  for (const table of TABLES) {
    await client.command({
      query: `ALTER TABLE ${db}.${table} MODIFY SETTING fsync_after_insert = ${value}, fsync_part_directory = ${value}`,
    });
  }
  if (on) logger.info({ tables: TABLES }, 'inserts fsync their parts (INGEST_WAL_SYNC=fsync)');
}
