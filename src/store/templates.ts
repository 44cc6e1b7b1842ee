import type { ClickHouseClient } from './client.ts';
import { encodeTimestamp, escapeTsv } from './format.ts';
import type { Template, TemplateSource } from '../model/template.ts';

export const TEMPLATE_COLUMNS = [
  'org',
  'template_id',
  'template',
  'source',
  'shapes',
  'created_at',
  'updated_at',
] as const;

export function encodeTemplates(templates: readonly Template[]): string {
  let body = '';
  for (const t of templates) {
    body +=
      `${escapeTsv(t.org)}\t${t.id}\t${escapeTsv(t.text)}\t${escapeTsv(t.source)}\t${escapeTsv(t.shapes ?? '')}\t` +
      `${encodeTimestamp(t.createdAt)}\t${encodeTimestamp(t.updatedAt)}\n`;
  }
  return body;
}

export interface TemplateSummary {
  id: number;
  template: string;
  /** Logs stored with this template (ever; retention does not lower it). */
  count: number;
  first_seen: string | null;
  last_seen: string | null;
  source: TemplateSource;
  created_at: string;
  updated_at: string;
}

interface TemplateRow {
  org: string;
  template_id: string;
  template: string;
  source: TemplateSource;
  shapes: string;
  created_at: string;
  updated_at: string;
}

/** Epoch-ms columns come back as strings (64-bit integers are quoted in JSON output). */
export function isoFromMs(ms: string | number): string {
  return new Date(Number(ms)).toISOString();
}

/** The latest text of every template of every org, or of one (FINAL: a refinement replaces the older row). */
export async function loadTemplates(client: ClickHouseClient, db: string, org?: string): Promise<Template[]> {
  const result = await client.query({
    query: `SELECT org, template_id, template, source, shapes,
  toUnixTimestamp64Milli(created_at) AS created_at, toUnixTimestamp64Milli(updated_at) AS updated_at
FROM ${db}.templates FINAL
${org === undefined ? '' : 'WHERE org = {org:String}'}
ORDER BY org, template_id`,
    format: 'JSONEachRow',
    query_params: org === undefined ? {} : { org },
  });
  const rows = await result.json<TemplateRow>();
  return rows.map((row) => ({
    id: Number(row.template_id),
    org: row.org,
    text: row.template,
    source: row.source,
    shapes: row.shapes,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }));
}

/** Counts and first/last seen come from the template_stats view, not from scanning logs. */
export async function listTemplates(
  client: ClickHouseClient,
  db: string,
  org: string,
): Promise<TemplateSummary[]> {
  const result = await client.query({
    query: `SELECT t.template_id AS id, t.template AS template, t.source AS source,
  toUnixTimestamp64Milli(t.created_at) AS created_at, toUnixTimestamp64Milli(t.updated_at) AS updated_at,
  s.count AS count, s.first_seen AS first_seen, s.last_seen AS last_seen
FROM (SELECT * FROM ${db}.templates FINAL WHERE org = {org:String}) AS t
LEFT JOIN
(
  SELECT template_id, sum(count) AS count,
    toUnixTimestamp64Milli(min(first_seen)) AS first_seen, toUnixTimestamp64Milli(max(last_seen)) AS last_seen
  FROM ${db}.template_stats
  WHERE org = {org:String}
  GROUP BY template_id
) AS s ON s.template_id = t.template_id
ORDER BY count DESC, id ASC`,
    format: 'JSONEachRow',
    query_params: { org },
  });
  const rows = await result.json<{
    id: string;
    template: string;
    source: TemplateSource;
    created_at: string;
    updated_at: string;
    count: string;
    first_seen: string;
    last_seen: string;
  }>();
  return rows.map((row) => {
    const count = Number(row.count);
    return {
      id: Number(row.id),
      template: row.template,
      count,
      // A LEFT JOIN miss gives zeros, not NULLs: no logs yet means no first or last seen.
      first_seen: count > 0 ? isoFromMs(row.first_seen) : null,
      last_seen: count > 0 ? isoFromMs(row.last_seen) : null,
      source: row.source,
      created_at: isoFromMs(row.created_at),
      updated_at: isoFromMs(row.updated_at),
    };
  });
}
