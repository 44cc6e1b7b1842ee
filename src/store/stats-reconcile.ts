/**
 * template_stats (migration 003) and untemplated_stats (006) count the logs ever stored (retention
 * does not shrink them), through views that see inserts only. A replace (store.replaceLogs:
 * delete rows by id, insert them again, maybe with another template) would count each replaced
 * log twice. So, before the delete, the rows about to go are subtracted from both tables as rows
 * of negative count. The columns are UInt64 (SimpleAggregateFunction(sum)): a negative count is
 * written as its two's complement, and sum() wraps, so every read (they all sum) comes back right.
 *
 * The pattern aggregates of migration 007 are made good differently (volume-reconcile.ts: from
 * the logs themselves), which these cannot be: once retention drops a part, logs hold fewer rows
 * than were ever counted.
 *
 * Retries: the subtraction carries a dedup token naming what it subtracts, the rows present and
 * the parts they are in. Retried before the delete (in process, or after a crash), it finds the
 * same rows in the same parts and is dropped as a duplicate; after the delete and the insert, the
 * rows found are the new ones in a new part, whose subtraction the retry's insert adds back. Left
 * open: a merge moving the old rows to another part between the subtraction and a retry's read
 * subtracts them twice (a crash and a merge between two statements), and a retry coming after
 * the tables' dedup window (1,000 inserts) is not recognised.
 */
import { createHash } from 'node:crypto';
import { insertEncoded, type ClickHouseClient } from './client.ts';

const NEVER_FIRST = '2299-12-31 23:59:59.999';
const NEVER_LAST = '1900-01-01 00:00:00.000';
const WRAP = 2n ** 64n;

interface Present {
  org: string;
  template_id: string;
  reason: string;
  n: string;
  parts: string[];
}

/** Subtracts the stored rows with these ids from template_stats and untemplated_stats. */
export async function subtractFromStats(
  client: ClickHouseClient,
  db: string,
  orgs: readonly string[],
  ids: readonly string[],
): Promise<void> {
  const present = await (
    await client.query({
      // 64-bit numbers as strings, whatever the connection's JSON output settings are.
      query: `SELECT org, toString(template_id) AS template_id, untemplated_reason AS reason,
  toString(count()) AS n, groupUniqArray(_part) AS parts
FROM ${db}.logs
WHERE org IN {orgs:Array(String)} AND id IN (SELECT toUInt64(arrayJoin({ids:Array(String)})))
GROUP BY org, template_id, reason
ORDER BY org, template_id, reason`,
      query_params: { orgs, ids },
      format: 'JSONEachRow',
    })
  ).json<Present>();
  if (present.length === 0) return;

  const hash = createHash('sha256');
  for (const id of [...ids].sort()) hash.update(`${id},`);
  for (const row of present)
    hash.update(`|${row.org},${row.template_id},${row.reason},${row.n},${row.parts.sort().join(',')}`);
  const token = `stats-minus:${hash.digest('hex').slice(0, 40)}`;

  const negative = (n: string) => (WRAP - BigInt(n)).toString();
  const byTemplate = new Map<string, { org: string; template_id: string; n: bigint }>();
  for (const row of present) {
    const key = `${row.org}\u0000${row.template_id}`;
    const entry = byTemplate.get(key) ?? { org: row.org, template_id: row.template_id, n: 0n };
    entry.n += BigInt(row.n);
    byTemplate.set(key, entry);
  }
  const line = (fields: Record<string, string>) =>
    JSON.stringify({ ...fields, first_seen: NEVER_FIRST, last_seen: NEVER_LAST });
  await insertEncoded(
    client,
    `${db}.template_stats (org, template_id, count, first_seen, last_seen)`,
    'JSONEachRow',
    [...byTemplate.values()]
      .map((e) => line({ org: e.org, template_id: e.template_id, count: negative(e.n.toString()) }))
      .join('\n'),
    `${token}:t`,
  );
  await insertEncoded(
    client,
    `${db}.untemplated_stats (org, reason, count, first_seen, last_seen)`,
    'JSONEachRow',
    present
      .filter((row) => row.template_id === '0')
      .map((row) => line({ org: row.org, reason: row.reason, count: negative(row.n) }))
      .join('\n'),
    `${token}:u`,
  );
}
