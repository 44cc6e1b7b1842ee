import type { ClickHouseClient } from './client.ts';
import type { Logger } from '../logger.ts';
import { logsTtl } from './migrations/001_logs.ts';
import { VOLUME_GRAINS, volumeTtl } from './migrations/007_template_volume.ts';

/**
 * Makes the logs TTL match LOG_RETENTION_DAYS when the setting changed since the table was made.
 * A metadata read when nothing changed; otherwise MODIFY TTL, which with the table's
 * materialize_ttl_recalculate_only only recomputes each part's TTL bounds (an async mutation
 * that reads the timestamp column), and ttl_only_drop_parts then drops whole expired parts.
 * The pattern aggregates follow (a day later; the reads do not need them to be on time).
 */
export async function applyRetention(
  client: ClickHouseClient,
  db: string,
  retentionDays: number,
  logger: Logger,
): Promise<boolean> {
  const result = await client.query({
    query: `SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'logs'`,
    format: 'JSONEachRow',
    query_params: { db },
  });
  const [row] = await result.json<{ engine_full: string }>();
  const current = /TTL ingested_at \+ toIntervalDay\((\d+)\)/.exec(row?.engine_full ?? '')?.[1];
  if (current !== undefined && Number(current) === retentionDays) return false;
  await client.command({ query: `ALTER TABLE ${db}.logs MODIFY TTL ${logsTtl(retentionDays)}` });
  for (const { table } of VOLUME_GRAINS) {
    await client.command({ query: `ALTER TABLE ${db}.${table} MODIFY TTL ${volumeTtl(retentionDays)}` });
  }
  logger.info(
    { from: current === undefined ? null : Number(current), to: retentionDays },
    'log retention changed',
  );
  return true;
}
