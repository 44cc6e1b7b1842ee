/**
 * Curation: people's decisions about an org's templates (model/curation.ts), checked, stored
 * with a record of who changed what, and published on the templates channel so every matcher
 * applies the ingest rules and every read shows names and merges. One change at a time per
 * process, so two changes to one template do not overwrite each other's fields.
 */
import { ConflictError, NotFoundError, BadRequestError } from '../errors.ts';
import { hasConstantText } from '../generate/checks.ts';
import {
  NAME_MAX_LENGTH,
  NOTE_MAX_LENGTH,
  uncurated,
  type Curation,
  type IngestRule,
} from '../model/curation.ts';
import { newTemplateId, type Template } from '../model/template.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { CurationChangeView, CurationStore } from '../store/curation.ts';

/** What a change may set; absent fields stay as they are. `mergedInto` null undoes a merge. */
export interface CurationPatch {
  name?: string;
  note?: string;
  rule?: IngestRule;
  samplePercent?: number;
  mergedInto?: number | null;
}

export interface CurationDeps {
  store: CurationStore;
  /** The templates channel: the matchers (and, in Kafka mode, the other processes) follow it. */
  publish(changes: TemplateChange[]): Promise<void> | void;
  /** TEMPLATES_MAX_PER_ORG: a seed counts as a template. */
  maxTemplatesPerOrg: number;
  now?: () => number;
}

export class CurationService {
  readonly #deps: CurationDeps;
  readonly #now: () => number;
  #last: Promise<unknown> = Promise.resolve();

  constructor(deps: CurationDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** The org's curations (reads fold merges with them). */
  curations(org: string): Promise<Curation[]> {
    return this.#deps.store.loadCurations(org);
  }

  changes(org: string, templateId: number | undefined, limit: number): Promise<CurationChangeView[]> {
    return this.#deps.store.listChanges(org, templateId, limit);
  }

  /** Applies `patch` to template `id` of `org`; the curation as it is now. */
  update(org: string, id: number, patch: CurationPatch, actor: string): Promise<Curation> {
    return this.#serial(async () => {
      const templates = await this.#deps.store.templatesOf(org);
      if (!templates.some((t) => t.id === id)) {
        throw new NotFoundError('TEMPLATE_NOT_FOUND', `org ${JSON.stringify(org)} has no template ${id}`);
      }
      const all = await this.#deps.store.loadCurations(org);
      const before = all.find((c) => c.id === id) ?? uncurated(org, id);
      const after = applyPatch(before, patch);
      if (patch.mergedInto !== undefined && patch.mergedInto !== null)
        checkMerge(id, patch.mergedInto, templates, all);
      const changed = changedFields(before, after);
      if (changed.length === 0) return before;
      return this.#record(after, before, changed, actor);
    });
  }

  /** Adds a template by hand (source `manual`), with its curation if any field is given. */
  seed(
    org: string,
    text: string,
    patch: Omit<CurationPatch, 'mergedInto'>,
    actor: string,
  ): Promise<{ template: Template; curation: Curation }> {
    return this.#serial(async () => {
      if (!hasConstantText(text)) {
        throw new BadRequestError(
          'INVALID_TEMPLATE',
          'template: needs constant text that pins a line down (not only <*> and punctuation), at most 1,000 tokens',
          [
            {
              index: null,
              field: 'template',
              code: 'INVALID_TEMPLATE',
              message: 'needs constant text, at most 1,000 tokens',
            },
          ],
        );
      }
      const templates = await this.#deps.store.templatesOf(org);
      const same = templates.find((t) => t.text === text);
      if (same !== undefined) {
        throw new ConflictError(
          'TEMPLATE_EXISTS',
          `org ${JSON.stringify(org)} has this template already (id ${same.id})`,
          {
            template_id: same.id,
          },
        );
      }
      if (templates.length >= this.#deps.maxTemplatesPerOrg) {
        throw new ConflictError(
          'TOO_MANY_TEMPLATES',
          `org ${JSON.stringify(org)} has ${templates.length} templates, the most TEMPLATES_MAX_PER_ORG allows`,
        );
      }
      const at = this.#now();
      const template: Template = {
        id: newTemplateId(),
        org,
        text,
        source: 'manual',
        shapes: '',
        createdAt: at,
        updatedAt: at,
      };
      await this.#deps.store.saveTemplate(template);
      await this.#deps.store.saveChange({
        org,
        templateId: template.id,
        at,
        actor,
        action: 'seed',
        before: '',
        after: JSON.stringify({ template: text }),
      });
      await this.#deps.publish([{ kind: 'upsert', template }]);
      const before = uncurated(org, template.id);
      const after = applyPatch(before, patch);
      const changed = changedFields(before, after);
      const curation = changed.length === 0 ? before : await this.#record(after, before, changed, actor);
      return { template, curation };
    });
  }

  async #record(
    after: Curation,
    before: Curation,
    changed: readonly (keyof Curation)[],
    actor: string,
  ): Promise<Curation> {
    // Newer than what it replaces even if the clock stepped back: the newest record wins everywhere.
    const curation: Curation = {
      ...after,
      updatedAt: Math.max(this.#now(), before.updatedAt + 1),
      updatedBy: actor,
    };
    // As the API shows a curation (curationView): not merged is null.
    const pick = (c: Curation): Record<string, unknown> =>
      Object.fromEntries(
        changed.map((k): [string, unknown] => [
          FIELD_NAMES[k] ?? k,
          k === 'mergedInto' && c[k] === 0 ? null : c[k],
        ]),
      );
    await this.#deps.store.saveCurations([curation]);
    await this.#deps.store.saveChange({
      org: curation.org,
      templateId: curation.id,
      at: curation.updatedAt,
      actor,
      action: actionOf(before, curation, changed),
      before: JSON.stringify(pick(before)),
      after: JSON.stringify(pick(curation)),
    });
    await this.#deps.publish([{ kind: 'curate', curation }]);
    return curation;
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#last.then(work, work);
    this.#last = next.catch(() => undefined);
    return next;
  }
}

/** The API's names of the fields a change records. */
const FIELD_NAMES: Partial<Record<keyof Curation, string>> = {
  name: 'name',
  note: 'note',
  rule: 'rule',
  samplePercent: 'sample_percent',
  mergedInto: 'merged_into',
};

function applyPatch(before: Curation, patch: CurationPatch): Curation {
  const after = { ...before };
  if (patch.name !== undefined) after.name = checkText('name', patch.name, NAME_MAX_LENGTH);
  if (patch.note !== undefined) after.note = checkText('note', patch.note, NOTE_MAX_LENGTH);
  if (patch.rule !== undefined) {
    after.rule = patch.rule;
    if (patch.rule !== 'sample') after.samplePercent = 100;
    else if (patch.samplePercent === undefined) {
      throw new BadRequestError('MISSING_FIELD', 'sample_percent: required with rule "sample"', [
        {
          index: null,
          field: 'sample_percent',
          code: 'MISSING_FIELD',
          message: 'required with rule "sample"',
        },
      ]);
    }
  }
  if (patch.samplePercent !== undefined) {
    if (after.rule !== 'sample') {
      throw new BadRequestError('INVALID_VALUE', 'sample_percent: only with rule "sample"', [
        { index: null, field: 'sample_percent', code: 'INVALID_VALUE', message: 'only with rule "sample"' },
      ]);
    }
    after.samplePercent = patch.samplePercent;
  }
  if (patch.mergedInto !== undefined) after.mergedInto = patch.mergedInto ?? 0;
  return after;
}

function checkText(field: string, value: string, max: number): string {
  const text = value.trim();
  if (text.length > max || !text.isWellFormed() || /[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    throw new BadRequestError('INVALID_VALUE', `${field}: at most ${max} characters of text`, [
      { index: null, field, code: 'INVALID_VALUE', message: `at most ${max} characters of text` },
    ]);
  }
  return text;
}

/**
 * A merge reads the template's history as its target's: the target must be another template of
 * the org that is not merged itself, and the template must not be a target (no chains: undo the
 * other merges first), so every read resolves a merge in one step.
 */
function checkMerge(
  id: number,
  target: number,
  templates: readonly Template[],
  all: readonly Curation[],
): void {
  const refuse = (code: string, message: string) => {
    throw new ConflictError(code, `merged_into: ${message}`, { field: 'merged_into' });
  };
  if (target === id) refuse('MERGE_INTO_ITSELF', 'a template cannot be merged into itself');
  if (!templates.some((t) => t.id === target)) {
    throw new NotFoundError('TEMPLATE_NOT_FOUND', `merged_into: the org has no template ${target}`);
  }
  if ((all.find((c) => c.id === target)?.mergedInto ?? 0) !== 0) {
    refuse('MERGE_CHAIN', `template ${target} is itself merged; merge into what it is merged into`);
  }
  const sources = all.filter((c) => c.mergedInto === id).map((c) => c.id);
  if (sources.length > 0)
    refuse('MERGE_CHAIN', `templates ${sources.join(', ')} are merged into this one; undo those first`);
}

function changedFields(before: Curation, after: Curation): (keyof Curation)[] {
  return (['name', 'note', 'rule', 'samplePercent', 'mergedInto'] as const).filter(
    (k) => before[k] !== after[k],
  );
}

function actionOf(before: Curation, after: Curation, changed: readonly (keyof Curation)[]): string {
  const actions = new Set<string>();
  for (const field of changed) {
    if (field === 'name') actions.add('rename');
    else if (field === 'note') actions.add('note');
    else if (field === 'rule' || field === 'samplePercent') actions.add('rule');
    else actions.add(after.mergedInto === 0 ? 'unmerge' : before.mergedInto === 0 ? 'merge' : 'remerge');
  }
  return [...actions].join('+');
}
