import { allTemplates } from './all-templates.js';
import { templatesNamed } from './curation.js';

/**
 * @typedef {import('./use-api.js').Get} Get
 * @typedef {import('./curation.js').Change} Change
 * @typedef {import('./curation.js').Listed} Listed
 * @typedef {{ template: string | null, name: string }} Known what the page knows of a template, to name it
 */

/**
 * Templates read one by one at most, for a record or a target's list: the org's list has all
 * but the merged ones, so these are the few merged away; past this many, the rest show by id.
 */
export const LOOKUPS = 50;

/**
 * A record of changes with the text and name of each template it names: the org's list, then
 * each named template the list lacks (merged ones are counted under their target, not listed)
 * read on its own with its window cut to nothing, so no volume is counted.
 * @param {Get} get
 * @param {string} org
 * @param {Record<string, string | number | undefined>} params GET /templates/changes's query besides the org
 * @returns {Promise<{ changes: Change[], known: Map<number, Known> }>}
 */
export async function changesWithTemplates(get, org, params) {
  const [record, list] = /** @type {[{ changes: Change[] }, { templates: Listed[] }]} */ (
    await Promise.all([get('/templates/changes', { org, ...params }), allTemplates(get, { org })])
  );
  /** @type {Map<number, Known>} */
  const known = new Map(
    list.templates.map((t) => [t.id, { template: t.template, name: t.curation?.name ?? '' }]),
  );
  const missing = templatesNamed(record.changes)
    .filter((id) => !known.has(id))
    .slice(0, LOOKUPS);
  const found = await Promise.all(
    missing.map((id) =>
      // One the org no longer has (404) stays shown by its id.
      /** @type {Promise<Listed>} */ (get(`/templates/${id}`, { org, from: 0, to: 0 })).catch(
        () => undefined,
      ),
    ),
  );
  for (const t of found) {
    if (t !== undefined) known.set(t.id, { template: t.template, name: t.curation?.name ?? '' });
  }
  return { changes: record.changes, known };
}
