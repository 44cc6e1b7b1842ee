/**
 * Reads as curation says: a template merged into another (model/curation.ts) is counted as that
 * one, in every list and comparison, while its own rows keep their id (so the merge can be
 * undone and nothing is rewritten). Each entry also shows its curation.
 */
import type { Curation } from '../model/curation.ts';
import type { TemplateDetail, VariableValues } from './template-detail.ts';

/** What the API shows of a curation (only for a template someone curated). */
export interface CurationView {
  name: string;
  note: string;
  rule: Curation['rule'];
  sample_percent: number;
  merged_into: number | null;
  updated_at: string;
  updated_by: string;
}

export function curationView(c: Curation): CurationView {
  return {
    name: c.name,
    note: c.note,
    rule: c.rule,
    sample_percent: c.samplePercent,
    merged_into: c.mergedInto === 0 ? null : c.mergedInto,
    updated_at: new Date(c.updatedAt).toISOString(),
    updated_by: c.updatedBy,
  };
}

/** The fields of a volume entry a merge adds up (GET /templates with or without a window). */
export interface Countable {
  id: number;
  template: string | null;
  count: number;
  first_seen: string | null;
  last_seen: string | null;
  levels?: Record<string, number>;
  series?: Array<{ time: string; count: number }>;
}

export type Curated<T> = T & { curation?: CurationView; merged?: number[] };

/** The curation of each template of an org, and the sources merged into each target. */
export class OrgCuration {
  readonly byId: ReadonlyMap<number, Curation>;
  /** Target id → the ids merged into it. */
  readonly sources: ReadonlyMap<number, number[]>;

  constructor(curations: readonly Curation[]) {
    this.byId = new Map(curations.map((c) => [c.id, c]));
    const sources = new Map<number, number[]>();
    for (const c of curations) {
      if (c.mergedInto === 0) continue;
      const list = sources.get(c.mergedInto) ?? [];
      list.push(c.id);
      sources.set(c.mergedInto, list);
    }
    this.sources = sources;
  }

  get empty(): boolean {
    return this.byId.size === 0;
  }

  mergedInto(id: number): number {
    return this.byId.get(id)?.mergedInto ?? 0;
  }

  /**
   * `entries` with each merged template folded into its target (counts, levels, first and last
   * seen, series added up), each curated entry showing its curation, sorted again by count.
   * `targetOf(source)` makes a target's entry when only its sources have logs in the window.
   */
  fold<T extends Countable>(
    entries: readonly T[],
    makeTarget: (source: T, targetId: number) => T,
  ): Curated<T>[] {
    if (this.empty) return [...entries];
    const out = new Map<number, Curated<T>>();
    const folded: T[] = [];
    for (const entry of entries) {
      if (this.mergedInto(entry.id) !== 0) folded.push(entry);
      else out.set(entry.id, this.decorate({ ...entry }));
    }
    for (const source of folded) {
      const targetId = this.mergedInto(source.id);
      let target = out.get(targetId);
      if (target === undefined) {
        target = this.decorate({
          ...makeTarget(source, targetId),
          count: 0,
          levels: {},
          series: zeroed(source.series),
        });
        if (source.levels === undefined) delete target.levels;
        if (source.series === undefined) delete target.series;
        target.first_seen = null;
        target.last_seen = null;
        out.set(targetId, target);
      }
      addInto(target, source);
    }
    return [...out.values()].sort((a, b) => b.count - a.count || a.id - b.id);
  }

  private decorate<T extends Countable>(entry: Curated<T>): Curated<T> {
    const c = this.byId.get(entry.id);
    if (c !== undefined) entry.curation = curationView(c);
    const merged = this.sources.get(entry.id);
    if (merged !== undefined) entry.merged = [...merged].sort((a, b) => a - b);
    return entry;
  }
}

function zeroed(series: Countable['series']): Countable['series'] {
  return series?.map((p) => ({ time: p.time, count: 0 }));
}

const earlier = (a: string | null, b: string | null) => (a === null ? b : b === null || a <= b ? a : b);
const later = (a: string | null, b: string | null) => (a === null ? b : b === null || a >= b ? a : b);

/** Adds `source`'s volume into `target` (ISO strings of one format compare in time order). */
function addInto(target: Countable, source: Countable): void {
  target.count += source.count;
  target.first_seen = earlier(target.first_seen, source.first_seen);
  target.last_seen = later(target.last_seen, source.last_seen);
  if (target.levels !== undefined && source.levels !== undefined) {
    for (const [level, n] of Object.entries(source.levels))
      target.levels[level] = (target.levels[level] ?? 0) + n;
  }
  if (target.series !== undefined) {
    // Series are made for the loudest templates only: a sum with a missing part would be wrong.
    if (source.series === undefined || source.series.length !== target.series.length) delete target.series;
    else
      for (const [i, p] of source.series.entries()) (target.series[i] as { count: number }).count += p.count;
  }
}

/**
 * A merge target's detail with its sources' added in: volume, the latest examples of all, and
 * per variable position the values added up (a distinct count is then at least the largest of
 * the parts: their values may overlap).
 */
export function foldDetails(target: TemplateDetail, sources: readonly TemplateDetail[]): TemplateDetail {
  const examples = [target, ...sources]
    .flatMap((d) => d.examples)
    .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0))
    .slice(0, Math.max(target.examples.length, ...sources.map((s) => s.examples.length)));
  const volume = sumVolumes([target, ...sources].flatMap((d) => (d.volume === null ? [] : [d.volume])));
  return {
    ...target,
    volume,
    examples,
    variables: foldVariables(
      target.variables,
      sources.map((s) => s.variables),
    ),
  };
}

type DetailVolume = NonNullable<TemplateDetail['volume']>;

function sumVolumes(parts: readonly DetailVolume[]): DetailVolume | null {
  const first = parts[0];
  if (first === undefined) return null;
  const sum: Countable = { id: 0, template: null, count: 0, first_seen: null, last_seen: null, levels: {} };
  const series = zeroed(first.series);
  if (series !== undefined) sum.series = series;
  for (const part of parts) addInto(sum, { id: 0, template: null, ...part });
  return {
    count: sum.count,
    first_seen: sum.first_seen ?? first.first_seen,
    last_seen: sum.last_seen ?? first.last_seen,
    levels: sum.levels ?? {},
    ...(sum.series === undefined ? {} : { series: sum.series }),
  };
}

function foldVariables(
  first: readonly VariableValues[],
  rest: readonly (readonly VariableValues[])[],
): VariableValues[] {
  const byPosition = new Map<number, { distinct: number; counts: Map<string, number> }>();
  for (const list of [first, ...rest]) {
    for (const v of list) {
      const at = byPosition.get(v.position) ?? { distinct: 0, counts: new Map<string, number>() };
      at.distinct = Math.max(at.distinct, v.distinct);
      for (const { value, count } of v.top) at.counts.set(value, (at.counts.get(value) ?? 0) + count);
      byPosition.set(v.position, at);
    }
  }
  const top = first[0]?.top.length ?? 10;
  return [...byPosition.entries()]
    .sort(([a], [b]) => a - b)
    .map(([position, { distinct, counts }]) => ({
      position,
      distinct,
      top: [...counts.entries()]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1))
        .slice(0, Math.max(top, 10)),
    }));
}
