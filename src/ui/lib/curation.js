/**
 * What the page says of curation (README "Curation"): a template's name, its ingest rule, who
 * changed it, and each recorded change as the fields it changed, before → after.
 */

/**
 * A template's curation as the API gives it (only on a template someone curated).
 * @typedef {{ name: string, note: string, rule: 'keep' | 'sample' | 'drop', sample_percent: number,
 *   merged_into: number | null, updated_at: string, updated_by: string }} Curation
 */

/**
 * One entry of GET /templates/changes: the fields changed, before and after (a seed has no before).
 * @typedef {{ template_id: number, at: string, actor: string, action: string,
 *   before: Record<string, unknown> | null, after: Record<string, unknown> | null }} Change
 */

/**
 * A value in a change as the page draws it: text, nothing (said in words), or a template (a link).
 * @typedef {{ kind: 'text', text: string } | { kind: 'none', text: string } | { kind: 'template', id: number } | { kind: 'pattern', text: string }} Value
 * `template`: a template by its id (a link); `pattern`: a template's text (a seed's)
 */

/** @typedef {{ field: string, before: Value | null, after: Value }} FieldChange before null: a seed */

/**
 * The rule in a few words: `keep`, `sample 10%`, `drop`.
 * @param {{ rule: string, sample_percent?: number }} c
 */
export function ruleLabel(c) {
  return c.rule === 'sample' ? `sample ${c.sample_percent ?? 100}%` : c.rule;
}

/**
 * Who made a change, as the API records it: `Ada (key:1a2b3c4d5e6f)` (a name told with X-Actor,
 * then the key or the address), or the key or address alone.
 * @param {string} actor
 * @returns {{ name: string, who: string }} name '' when none was told
 */
export function actorParts(actor) {
  const told = /^(.*) \(((?:key:|open@)[^()]*)\)$/.exec(actor);
  return told === null ? { name: '', who: actor } : { name: told[1] ?? '', who: told[2] ?? '' };
}

/** @param {unknown} v */
function text(v) {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/**
 * A recorded change as the fields it changed. The rule and its percent read as one field; a
 * merge names the template (0 or null: not merged).
 * @param {Change} change
 * @returns {FieldChange[]}
 */
export function fieldChanges(change) {
  const before = change.before;
  const after = change.after ?? {};
  /** @type {FieldChange[]} */
  const out = [];
  if ('template' in after) {
    out.push({ field: 'template', before: null, after: { kind: 'pattern', text: text(after['template']) } });
  }
  for (const field of /** @type {const} */ (['name', 'note'])) {
    if (!(field in after)) continue;
    /** @param {unknown} v @returns {Value} */
    const value = (v) =>
      text(v) === '' ? { kind: 'none', text: `no ${field}` } : { kind: 'text', text: text(v) };
    out.push({ field, before: before === null ? null : value(before[field]), after: value(after[field]) });
  }
  if ('rule' in after || 'sample_percent' in after) {
    /** @param {Record<string, unknown>} c @returns {Value} */
    const rule = (c) => ({
      kind: 'text',
      // Only the percent changed: the rule was and is sample.
      text: ruleLabel({
        rule: text(c['rule']) || 'sample',
        ...(typeof c['sample_percent'] === 'number' ? { sample_percent: c['sample_percent'] } : {}),
      }),
    });
    out.push({ field: 'rule', before: before === null ? null : rule(before), after: rule(after) });
  }
  if ('merged_into' in after) {
    /** @param {unknown} v @returns {Value} */
    const target = (v) =>
      typeof v === 'number' && v > 0 ? { kind: 'template', id: v } : { kind: 'none', text: 'not merged' };
    out.push({
      field: 'merged into',
      before: before === null ? null : target(before['merged_into']),
      after: target(after['merged_into']),
    });
  }
  return out;
}

/**
 * @typedef {{ id: number, template: string | null, count: number, curation?: Curation, merged?: number[] }} Listed
 */

/**
 * The templates a template can be merged into, for the picker: not itself, not one merged
 * elsewhere (the API lists those under their target, so they are not here) and not the
 * "no template" bucket; matching the words typed in their text, name or id, loudest first.
 * @param {readonly Listed[]} templates the org's templates (GET /templates)
 * @param {string} query what was typed
 * @param {number} self the template being merged
 * @param {number} limit how many to offer
 */
export function mergeCandidates(templates, query, self, limit) {
  const words = query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  return templates
    .filter((t) => {
      if (t.id === 0 || t.id === self || t.template === null) return false;
      const haystack = `${t.template} ${t.curation?.name ?? ''} ${t.id}`.toLowerCase();
      return words.every((w) => haystack.includes(w));
    })
    .sort((a, b) => b.count - a.count)
    .slice(0, limit);
}

/**
 * Whether a name can be recorded: any script (it travels percent-encoded in X-Actor), but no
 * control characters (a line break in a record of who did what is a forgery waiting to happen).
 * @param {string} name
 */
export function actorProblem(name) {
  return /[\u0000-\u001f\u007f]/.test(name) ? 'A name is one line of text: no name is sent until then' : null;
}

/**
 * The templates a record names (each change's, and each merge's target), for the page to show
 * them by name or text rather than by id.
 * @param {readonly Change[]} changes
 * @returns {number[]}
 */
export function templatesNamed(changes) {
  /** @type {Set<number>} */
  const ids = new Set();
  for (const c of changes) {
    ids.add(c.template_id);
    for (const side of [c.before, c.after]) {
      const target = side?.['merged_into'];
      if (typeof target === 'number' && target > 0) ids.add(target);
    }
  }
  return [...ids];
}
