/**
 * The logs stored without a template (template id 0), by why they have none
 * (model/untemplated.ts): GET /templates shows them as the id-0 entry, so an org's counts add up
 * to its logs and the reasons say what to do about the rest.
 */
import type { ClickHouseClient } from './client.ts';
import { UNTEMPLATED_REASONS, untemplatedCode, type UntemplatedCode } from '../model/untemplated.ts';
import { isoFromMs } from './templates.ts';

export interface UntemplatedReasonCount {
  reason: UntemplatedCode;
  count: number;
  /** The reason in words. */
  why: string;
}

export interface UntemplatedTotal {
  count: number;
  first_seen: string;
  last_seen: string;
  reasons: UntemplatedReasonCount[];
}

/** Most first; rows stored before reasons were kept ('') and any unknown code count as `unknown`. */
function byReason(rows: ReadonlyArray<{ reason: string; count: string }>): UntemplatedReasonCount[] {
  const counts = new Map<UntemplatedCode, number>();
  for (const row of rows) {
    const code = untemplatedCode(row.reason);
    counts.set(code, (counts.get(code) ?? 0) + Number(row.count));
  }
  return [...counts]
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => ({ reason, count, why: UNTEMPLATED_REASONS[reason] }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/**
 * All time, from untemplated_stats (kept by a materialized view as logs are stored, like
 * template_stats, whose id-0 count it adds up to): a row per org and reason, no scan of logs.
 * Undefined when the org has none.
 */
export async function untemplatedAllTime(
  client: ClickHouseClient,
  db: string,
  org: string,
): Promise<UntemplatedTotal | undefined> {
  const rows = await (
    await client.query({
      query: `SELECT reason, sum(count) AS count,
  toUnixTimestamp64Milli(min(first_seen)) AS first, toUnixTimestamp64Milli(max(last_seen)) AS last
FROM ${db}.untemplated_stats
WHERE org = {org:String}
GROUP BY reason`,
      format: 'JSONEachRow',
      query_params: { org },
    })
  ).json<{ reason: string; count: string; first: string; last: string }>();
  const reasons = byReason(rows);
  const count = reasons.reduce((sum, r) => sum + r.count, 0);
  if (count === 0) return undefined;
  const counted = rows.filter((row) => Number(row.count) > 0);
  return {
    count,
    first_seen: isoFromMs(Math.min(...counted.map((row) => Number(row.first)))),
    last_seen: isoFromMs(Math.max(...counted.map((row) => Number(row.last)))),
    reasons,
  };
}

/**
 * Within a window (epoch ms, inclusive), from the logs themselves, as the window's counts are
 * (store/template-volume.ts): the sorting key (org, hour, template_id) keeps the read to the
 * id-0 rows of the org's hours in the window.
 */
export async function untemplatedReasonsIn(
  client: ClickHouseClient,
  db: string,
  query: { org: string; from: number; to: number },
): Promise<UntemplatedReasonCount[]> {
  const rows = await (
    await client.query({
      query: `SELECT untemplated_reason AS reason, count() AS count
FROM ${db}.logs
WHERE org = {org:String} AND template_id = 0
  AND timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
  AND timestamp <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
GROUP BY reason`,
      format: 'JSONEachRow',
      query_params: query,
    })
  ).json<{ reason: string; count: string }>();
  return byReason(rows);
}
