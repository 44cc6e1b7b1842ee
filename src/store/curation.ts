/**
 * Curation in storage: the latest decision per template (template_curation, read FINAL) and the
 * log of every change (template_changes). Writes are awaited: the API answers a change once it
 * is stored, so a change reported done survives a restart.
 */
import type { ClickHouseClient } from './client.ts';
import { insertEncoded } from './client.ts';
import { encodeTimestamp } from './format.ts';
import type { Curation, IngestRule } from '../model/curation.ts';
import type { Template } from '../model/template.ts';
import { isoFromMs } from './templates.ts';

/** One change as recorded: who, when, and the curation (or seeded template) before and after. */
export interface CurationChange {
  org: string;
  templateId: number;
  /** Epoch ms. */
  at: number;
  actor: string;
  /** What was done: rename, note, rule, merge, unmerge, seed (several as `rename+rule`). */
  action: string;
  /** JSON of the fields that changed, before and after; '' for nothing before (a seed). */
  before: string;
  after: string;
}

export interface CurationChangeView {
  template_id: number;
  at: string;
  actor: string;
  action: string;
  before: unknown;
  after: unknown;
}

/** What curation (curate/service.ts) reads and writes of storage. */
export interface CurationStore {
  loadCurations(org: string): Promise<Curation[]>;
  saveCurations(list: readonly Curation[]): Promise<void>;
  saveChange(change: CurationChange): Promise<void>;
  listChanges(org: string, templateId: number | undefined, limit: number): Promise<CurationChangeView[]>;
  /** The org's templates as stored now. */
  templatesOf(org: string): Promise<Template[]>;
  /** Stores a template and resolves once it is stored. */
  saveTemplate(template: Template): Promise<void>;
}

const row = (c: Curation) => ({
  org: c.org,
  template_id: c.id,
  name: c.name,
  note: c.note,
  rule: c.rule,
  sample_percent: c.samplePercent,
  merged_into: c.mergedInto,
  updated_at: encodeTimestamp(c.updatedAt),
  updated_by: c.updatedBy,
});

export async function saveCurations(
  client: ClickHouseClient,
  db: string,
  list: readonly Curation[],
): Promise<void> {
  if (list.length === 0) return;
  const body = list.map((c) => JSON.stringify(row(c))).join('\n');
  await insertEncoded(client, `${db}.template_curation`, 'JSONEachRow', body, '');
}

export async function saveChange(
  client: ClickHouseClient,
  db: string,
  change: CurationChange,
): Promise<void> {
  const body = JSON.stringify({
    org: change.org,
    template_id: change.templateId,
    at: encodeTimestamp(change.at),
    actor: change.actor,
    action: change.action,
    before: change.before,
    after: change.after,
  });
  await insertEncoded(client, `${db}.template_changes`, 'JSONEachRow', body, '');
}

interface CurationRow {
  org: string;
  template_id: string;
  name: string;
  note: string;
  rule: IngestRule;
  sample_percent: number;
  merged_into: string;
  updated_at: string;
  updated_by: string;
}

/** The curations of one org, or of every org (the matchers' ingest rules at start). */
export async function loadCurations(client: ClickHouseClient, db: string, org?: string): Promise<Curation[]> {
  const result = await client.query({
    query: `SELECT org, template_id, name, note, rule, sample_percent, merged_into,
  toUnixTimestamp64Milli(updated_at) AS updated_at, updated_by
FROM ${db}.template_curation FINAL
${org === undefined ? '' : 'WHERE org = {org:String}'}
ORDER BY org, template_id`,
    format: 'JSONEachRow',
    query_params: org === undefined ? {} : { org },
  });
  return (await result.json<CurationRow>()).map((r) => ({
    org: r.org,
    id: Number(r.template_id),
    name: r.name,
    note: r.note,
    rule: r.rule,
    samplePercent: Number(r.sample_percent),
    mergedInto: Number(r.merged_into),
    updatedAt: Number(r.updated_at),
    updatedBy: r.updated_by,
  }));
}

/** Most changes one answer lists. */
export const MAX_CHANGES = 1000;

/** An org's changes, newest first; of one template (as either end of a merge) when `templateId` is set. */
export async function listChanges(
  client: ClickHouseClient,
  db: string,
  org: string,
  templateId: number | undefined,
  limit: number,
): Promise<CurationChangeView[]> {
  const result = await client.query({
    query: `SELECT template_id, toUnixTimestamp64Milli(at) AS at, actor, action, before, after
FROM ${db}.template_changes
WHERE org = {org:String}${templateId === undefined ? '' : ' AND template_id = {id:UInt64}'}
ORDER BY at DESC, template_id
LIMIT {limit:UInt32}`,
    format: 'JSONEachRow',
    query_params: { org, id: templateId ?? 0, limit },
  });
  const rows = await result.json<{
    template_id: string;
    at: string;
    actor: string;
    action: string;
    before: string;
    after: string;
  }>();
  return rows.map((r) => ({
    template_id: Number(r.template_id),
    at: isoFromMs(r.at),
    actor: r.actor,
    action: r.action,
    before: r.before === '' ? null : (JSON.parse(r.before) as unknown),
    after: r.after === '' ? null : (JSON.parse(r.after) as unknown),
  }));
}
