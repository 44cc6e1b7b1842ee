/**
 * @typedef {import('./use-api.js').Get} Get
 */

/**
 * GET /templates' largest page: the views sum, search and sort the whole list (the merge picker
 * and the record of changes look templates up in it), so they read every page.
 */
const PAGE_LIMIT = 1000;

/**
 * Every template of a GET /templates query, page after page (next_cursor).
 * @template T
 * @param {Get} get
 * @param {Record<string, string | number | undefined>} params
 * @returns {Promise<{ templates: T[] }>}
 */
export async function allTemplates(get, params) {
  /** @type {T[]} */
  const templates = [];
  /** @type {string | undefined} */
  let cursor;
  do {
    const page = /** @type {{ templates: T[], next_cursor: string | null }} */ (
      await get('/templates', { ...params, limit: PAGE_LIMIT, cursor })
    );
    templates.push(...page.templates);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return { templates };
}
