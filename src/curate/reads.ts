/**
 * The read API as curation shows it: merged templates counted as their target (the volume
 * lists, and so the comparison and the Loki patterns built on them; the all-time list; a
 * target's detail with its sources' lines and values), each template with its curation.
 */
import type { DetailQuery } from '../store/template-detail.ts';
import type { TemplateSummary } from '../store/templates.ts';
import type { UntemplatedReasonCount, UntemplatedTotal } from '../store/untemplated.ts';
import type { TemplateVolume, VolumeQuery } from '../store/template-volume.ts';
import type { LogsQuery, Store } from '../store/stage.ts';
import { curationView, foldDetails, OrgCuration, type Countable } from '../store/merged-history.ts';
import type { Template } from '../model/template.ts';

/** The read queries the HTTP layer serves (http/view.ts), as curation shows them. */
export interface StoreReads {
  listTemplates(org: string): Promise<TemplateSummary[]>;
  templateVolume(query: VolumeQuery): Promise<TemplateVolume[]>;
  templateDetail(query: DetailQuery): Promise<unknown>;
  untemplatedAllTime(org: string): Promise<UntemplatedTotal | undefined>;
  untemplatedReasonsIn(query: { org: string; from: number; to: number }): Promise<UntemplatedReasonCount[]>;
  queryLogs(query: LogsQuery): Promise<{ logs: unknown[]; nextCursor: string | null }>;
}

export function curatedReads(store: Store): StoreReads {
  const curationOf = async (org: string) => new OrgCuration(await store.curation.loadCurations(org));
  /** Makes a merge target's entry from a source's when only sources have logs in the window. */
  const targetMaker = (org: string) => {
    let templates: Promise<Map<number, Template>> | undefined;
    return async <T extends Countable>(
      entries: readonly T[],
      fold: OrgCuration,
    ): Promise<(source: T, id: number) => T> => {
      const missing = entries.some(
        (e) => fold.mergedInto(e.id) !== 0 && !entries.some((t) => t.id === fold.mergedInto(e.id)),
      );
      const byId = missing
        ? await (templates ??= store.curation
            .templatesOf(org)
            .then((list) => new Map(list.map((t) => [t.id, t]))))
        : new Map<number, Template>();
      return (source, id) => {
        const t = byId.get(id);
        const entry: Record<string, unknown> = { ...(source as object), id, template: t?.text ?? null };
        if ('source' in entry) entry['source'] = t?.source ?? null;
        if ('created_at' in entry && t !== undefined) {
          entry['created_at'] = new Date(t.createdAt).toISOString();
          entry['updated_at'] = new Date(t.updatedAt).toISOString();
        }
        return entry as unknown as T;
      };
    };
  };
  const folded = async <T extends Countable>(org: string, entries: T[]) => {
    const fold = await curationOf(org);
    if (fold.empty) return entries;
    return fold.fold(entries, await targetMaker(org)(entries, fold));
  };
  return {
    listTemplates: async (org) => folded(org, await store.listTemplates(org)),
    templateVolume: async (query) => folded(query.org, await store.templateVolume(query)),
    async templateDetail(query) {
      const [detail, fold] = await Promise.all([store.templateDetail(query), curationOf(query.org)]);
      if (detail === undefined || fold.empty) return detail;
      const sources = fold.sources.get(query.id) ?? [];
      const parts = await Promise.all(sources.map((id) => store.templateDetail({ ...query, id })));
      const whole = foldDetails(
        detail,
        parts.flatMap((d) => (d === undefined ? [] : [d])),
      );
      const c = fold.byId.get(query.id);
      return {
        ...whole,
        ...(c === undefined ? {} : { curation: curationView(c) }),
        ...(sources.length === 0 ? {} : { merged: [...sources].sort((a, b) => a - b) }),
      };
    },
    // Lines without a template belong to no template, so no merge folds them.
    untemplatedAllTime: (org) => store.untemplatedAllTime(org),
    untemplatedReasonsIn: (query) => store.untemplatedReasonsIn(query),
    async queryLogs(query) {
      if (query.templateId === undefined) return store.queryLogs(query);
      // A merge target's lines are its own and its merged templates'.
      const merged = (await curationOf(query.org)).sources.get(query.templateId);
      return store.queryLogs(merged === undefined ? query : { ...query, mergedIds: merged });
    },
  };
}
