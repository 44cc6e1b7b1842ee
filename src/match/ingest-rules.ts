import { DROPPED_MESSAGE, keepsLine, type Curation, type IngestRule } from '../model/curation.ts';
import type { StoredLog } from '../model/log.ts';

interface Rule {
  rule: IngestRule;
  samplePercent: number;
}

/**
 * The templates whose lines are not all kept whole (sample, drop: model/curation.ts), per org.
 * Only those are held: with no rule anywhere, a matched line costs one size check.
 */
export class IngestRules {
  readonly #byOrg = new Map<string, Map<number, Rule>>();
  /** Curations seen per (org, id), newest first wins: an older record arriving late changes nothing. */
  readonly #updatedAt = new Map<string, number>();

  apply(curation: Curation): void {
    const key = `${curation.org}:${curation.id}`;
    if ((this.#updatedAt.get(key) ?? -1) > curation.updatedAt) return;
    this.#updatedAt.set(key, curation.updatedAt);
    let rules = this.#byOrg.get(curation.org);
    if (curation.rule === 'keep' || (curation.rule === 'sample' && curation.samplePercent >= 100)) {
      rules?.delete(curation.id);
      if (rules?.size === 0) this.#byOrg.delete(curation.org);
      return;
    }
    if (rules === undefined) this.#byOrg.set(curation.org, (rules = new Map<number, Rule>()));
    rules.set(curation.id, { rule: curation.rule, samplePercent: curation.samplePercent });
  }

  /**
   * `row` as stored: itself, or its count-only stub when its template's rule does not keep it
   * (the text, variables and metadata left out; the template, time and labels kept, so volumes
   * and level mixes stay exact). Returns whether it was made a stub.
   */
  stubIfDropped(row: StoredLog): boolean {
    if (this.#byOrg.size === 0 || row.templateId === 0) return false;
    const rule = this.#byOrg.get(row.org)?.get(row.templateId);
    if (rule === undefined) return false;
    if (
      keepsLine(rule.rule, rule.samplePercent, row.id === undefined || row.id === '' ? row.message : row.id)
    ) {
      return false;
    }
    row.message = DROPPED_MESSAGE;
    row.variables = [];
    row.metadata = {};
    return true;
  }

  /** Templates with a rule other than keep. */
  get size(): number {
    let n = 0;
    for (const rules of this.#byOrg.values()) n += rules.size;
    return n;
  }
}
