/**
 * Counts for the rate-jump signal (signals/rate-jumps.ts): each template's logs in a window and
 * in the baseline before it, across every org in one scan of the time range (not a query per
 * org), keeping only templates with at least `minCount` logs in the window.
 */
import type { ClickHouseClient } from './client.ts';

export interface WindowCounts {
  org: string;
  templateId: number;
  count: number;
  baselineCount: number;
}

export async function windowCounts(
  client: ClickHouseClient,
  db: string,
  q: { baselineFrom: number; from: number; to: number; minCount: number },
): Promise<WindowCounts[]> {
  const result = await client.query({
    query: `SELECT org, template_id,
  countIf(timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')) AS count,
  countIf(timestamp < fromUnixTimestamp64Milli({from:Int64}, 'UTC')) AS baseline
FROM ${db}.logs
WHERE timestamp >= fromUnixTimestamp64Milli({baselineFrom:Int64}, 'UTC')
  AND timestamp < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
  AND template_id != 0
GROUP BY org, template_id
HAVING count >= {minCount:UInt32}`,
    format: 'JSONEachRow',
    query_params: q,
  });
  const rows = await result.json<{ org: string; template_id: string; count: string; baseline: string }>();
  return rows.map((r) => ({
    org: r.org,
    templateId: Number(r.template_id),
    count: Number(r.count),
    baselineCount: Number(r.baseline),
  }));
}

/** The text of each (org, template id) asked for. */
export async function templateTexts(
  client: ClickHouseClient,
  db: string,
  keys: ReadonlyArray<{ org: string; templateId: number }>,
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const result = await client.query({
    query: `SELECT org, template_id, template FROM ${db}.templates FINAL
WHERE (org, template_id) IN (SELECT tupleElement(k, 1), tupleElement(k, 2) FROM (SELECT arrayJoin(arrayZip({orgs:Array(String)}, {ids:Array(UInt64)})) AS k))`,
    format: 'JSONEachRow',
    query_params: { orgs: keys.map((k) => k.org), ids: keys.map((k) => k.templateId) },
  });
  const rows = await result.json<{ org: string; template_id: string; template: string }>();
  return new Map(rows.map((r) => [`${r.org}:${r.template_id}`, r.template]));
}
