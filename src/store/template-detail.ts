/**
 * One template in depth (GET /templates/{id}): its volume in the window, a few of its latest
 * lines, and for each variable position the values seen most with their counts and how many
 * distinct values there were: what people ask a pattern tool about the `<*>`s.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { TemplateSource } from '../model/template.ts';
import { queryLogs, type LogView } from './queries.ts';
import { isoFromMs } from './templates.ts';
import { templateVolume, windowOf, type TemplateVolume } from './template-volume.ts';

/** Values listed per variable position. */
export const TOP_VALUES = 10;
/** Example lines returned. */
export const EXAMPLES = 5;

export interface VariableValues {
  /** 0-based: the n-th `<*>` of the template. */
  position: number;
  /** How many distinct values it took in the window (estimated by ClickHouse's uniq: exact for few). */
  distinct: number;
  top: Array<{ value: string; count: number }>;
}

export interface TemplateDetail {
  id: number;
  template: string;
  source: TemplateSource;
  created_at: string;
  updated_at: string;
  volume: Omit<TemplateVolume, 'id' | 'template' | 'source'> | null;
  examples: LogView[];
  variables: VariableValues[];
}

export interface DetailQuery {
  org: string;
  id: number;
  /** Epoch ms, inclusive. */
  from: number;
  to: number;
  stepMs?: number | undefined;
}

export async function templateDetail(
  client: ClickHouseClient,
  db: string,
  query: DetailQuery,
  retentionDays: number,
): Promise<TemplateDetail | undefined> {
  const meta = (
    await (
      await client.query({
        query: `SELECT template, source, toUnixTimestamp64Milli(created_at) AS created_at,
  toUnixTimestamp64Milli(updated_at) AS updated_at
FROM ${db}.templates FINAL
WHERE org = {org:String} AND template_id = {id:UInt64}`,
        format: 'JSONEachRow',
        query_params: { org: query.org, id: query.id },
      })
    ).json<{ template: string; source: TemplateSource; created_at: string; updated_at: string }>()
  )[0];
  if (meta === undefined) return undefined;
  const window = { org: query.org, from: query.from, to: query.to, templateId: query.id };
  const [volumes, page, variables] = await Promise.all([
    templateVolume(client, db, { ...window, stepMs: query.stepMs }, retentionDays),
    queryLogs(client, db, {
      org: query.org,
      templateId: query.id,
      from: query.from,
      to: query.to,
      limit: EXAMPLES,
    }),
    variableValues(client, db, window),
  ]);
  const volume = volumes[0];
  return {
    id: query.id,
    template: meta.template,
    source: meta.source,
    created_at: isoFromMs(meta.created_at),
    updated_at: isoFromMs(meta.updated_at),
    volume: volume === undefined ? null : volumeOnly(volume),
    examples: page.logs,
    variables,
  };
}

function volumeOnly({ id: _id, template: _template, source: _source, ...volume }: TemplateVolume) {
  return volume;
}

async function variableValues(
  client: ClickHouseClient,
  db: string,
  window: { org: string; from: number; to: number; templateId: number },
): Promise<VariableValues[]> {
  const { where, params: windowParams } = windowOf(window);
  const params = { ...windowParams, top: TOP_VALUES };
  const from = `FROM ${db}.logs ARRAY JOIN variables AS value, arrayEnumerate(variables) AS position
WHERE ${where}`;
  const [tops, distincts] = await Promise.all([
    client
      .query({
        query: `SELECT position, value, count() AS count ${from}
GROUP BY position, value
ORDER BY position, count DESC, value
LIMIT {top:UInt32} BY position`,
        format: 'JSONEachRow',
        query_params: params,
      })
      .then((r) => r.json<{ position: string; value: string; count: string }>()),
    client
      .query({
        query: `SELECT position, uniq(value) AS distinct ${from} GROUP BY position ORDER BY position`,
        format: 'JSONEachRow',
        query_params: params,
      })
      .then((r) => r.json<{ position: string; distinct: string }>()),
  ]);
  const byPosition = new Map<number, VariableValues>();
  for (const row of distincts) {
    const position = Number(row.position) - 1;
    byPosition.set(position, { position, distinct: Number(row.distinct), top: [] });
  }
  for (const row of tops)
    byPosition.get(Number(row.position) - 1)?.top.push({ value: row.value, count: Number(row.count) });
  return [...byPosition.values()];
}
