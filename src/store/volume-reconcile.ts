/**
 * The pattern aggregates count what is inserted into logs; a DELETE on logs (store.replaceLogs:
 * a replay re-matching history, or the Kafka writer replacing rows a crashed run may have
 * stored) is never seen by their views. So after one, the hours the rows were in are made good
 * again: per aggregate key, the logs' count minus the aggregate's is inserted as a signed row.
 * Run again, it finds nothing to add; after a crash it is run again with the replace.
 *
 * first_seen/last_seen of a key can only widen: a key whose logs were all moved away gets
 * times that never win (so it shows nowhere), but a key that keeps some may keep the time of a
 * moved one. A log inserted at the instant the difference is read (between its part in logs and
 * the view's part) could be counted twice or missed; the Kafka writer and a replay touch hours
 * already written, where no insert arrives.
 */
import type { ClickHouseClient } from './client.ts';
import { bucketOf, VOLUME_GRAINS } from './migrations/007_template_volume.ts';

const KEY = 'org, bucket, template_id, level, service, host, arrived';
const NEVER_FIRST = "toDateTime64('2299-12-31 23:59:59.999', 3, 'UTC')";
const NEVER_LAST = "toDateTime64('1900-01-01 00:00:00.000', 3, 'UTC')";

/** `hours`: epoch ms of the starts of the hours the deleted rows were in. */
export async function reconcileVolume(
  client: ClickHouseClient,
  db: string,
  orgs: readonly string[],
  hours: readonly number[],
): Promise<void> {
  if (orgs.length === 0 || hours.length === 0) return;
  // Ranges of the sorting key's bucket, so only those hours of the aggregate are read.
  const params: Record<string, unknown> = { orgs, hours };
  const inHours = hours
    .map((hour, i) => {
      params[`h${i}`] = hour;
      params[`e${i}`] = hour + 3_600_000;
      return `(bucket >= {h${i}:Int64} AND bucket < {e${i}:Int64})`;
    })
    .join(' OR ');
  for (const { table, ms } of VOLUME_GRAINS) {
    await client.command({
      query: `INSERT INTO ${db}.${table} (${KEY}, count, first_seen, last_seen)
SELECT ${KEY}, sum(n), min(f), max(l)
FROM (
  SELECT org, ${bucketOf(ms)} AS bucket, template_id, level, service, host, toDate(ingested_at) AS arrived,
    toInt64(count()) AS n, min(timestamp) AS f, max(timestamp) AS l
  FROM ${db}.logs
  WHERE org IN {orgs:Array(String)}
    AND toStartOfHour(timestamp) IN (SELECT toStartOfHour(fromUnixTimestamp64Milli(arrayJoin({hours:Array(Int64)}), 'UTC')))
  GROUP BY ${KEY}
  UNION ALL
  SELECT ${KEY}, -sum(count), ${NEVER_FIRST}, ${NEVER_LAST}
  FROM ${db}.${table}
  WHERE org IN {orgs:Array(String)} AND (${inHours})
  GROUP BY ${KEY}
)
GROUP BY ${KEY}
HAVING sum(n) != 0
SETTINGS max_partitions_per_insert_block = 0`,
      query_params: params,
    });
  }
}
