import { html } from '../lib/html.js';
import { actorParts, fieldChanges } from '../lib/curation.js';
import { formatRoute } from '../lib/route.js';
import { formatAgo, formatExact } from '../lib/time.js';
import { Link } from './link.js';
import { TemplateText } from './template-text.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/curation.js').Change} Change
 * @typedef {import('../lib/curation.js').Value} Value
 * @typedef {import('../lib/known-templates.js').Known} Known
 */

/**
 * The record of curation changes, newest first: who (the name told, then the key or address),
 * when, and each changed field before → after. `withTemplate`: each change names its template
 * (the org's record); a merge names its target either way.
 * @param {{ changes: readonly Change[], known: ReadonlyMap<number, Known>, withTemplate: boolean,
 *   route: Route, navigate: (change: Partial<Route>) => void, now: number }} props
 */
export function ChangeList({ changes, known, withTemplate, route, navigate, now }) {
  /** @param {number} id */
  const templateLink = (id) => {
    const t = known.get(id);
    return html`<${Link}
      class="template-link change-template"
      href=${formatRoute({ ...route, view: 'template', template: id, sort: '', q: '', status: '' })}
      onNavigate=${() => navigate({ view: 'template', template: id })}
      >${
        t === undefined
          ? html`template <span class="num">${id}</span>`
          : t.name !== ''
            ? html`<span class="template-name">${t.name}</span>`
            : html`<${TemplateText} template=${t.template} />`
      }</${Link}
    >`;
  };
  /** @param {Value} v */
  const value = (v) =>
    v.kind === 'template'
      ? templateLink(v.id)
      : v.kind === 'pattern'
        ? html`<${TemplateText} template=${v.text} />`
        : v.kind === 'none'
          ? html`<span class="change-none">${v.text}</span>`
          : html`<span class="change-text" title=${v.text}>${v.text}</span>`;
  return html`<ol class="changes">
    ${changes.map((change) => {
      const actor = actorParts(change.actor);
      return html`<li class="change" data-action=${change.action}>
        <div class="change-head">
          ${
            actor.name === ''
              ? html`<span
                  class="change-who muted"
                  title="the key (first 12 hex digits of its SHA-256) or the address"
                  >${actor.who}</span
                >`
              : html`<span class="change-who"
                  ><strong>${actor.name}</strong>${' '}<span
                    class="muted"
                    title="the key (first 12 hex digits of its SHA-256) or the address"
                    >${actor.who}</span
                  ></span
                >`
          }
          <time class="change-at muted" datetime=${change.at} title=${formatExact(change.at)}
            >${formatAgo(change.at, now)}</time
          >
        </div>
        <div class="change-of">
          <span class="change-action">${change.action.split('+').join(' · ')}</span>
          ${withTemplate ? templateLink(change.template_id) : null}
        </div>
        <dl class="change-fields">
          ${fieldChanges(change).map(
            (f) =>
              html`<div class=${long(f) ? 'change-field long' : 'change-field'}>
                <dt>${f.field}</dt>
                <dd>
                  ${f.before === null ? null : html`${value(f.before)}<span class="change-arrow" aria-label="to"> → </span>`}${value(f.after)}
                </dd>
              </div>`,
          )}
        </dl>
      </li>`;
    })}
  </ol>`;
}

/** Values this long in all read better one under the other (a note) than side by side. */
const LONG = 40;

/** @param {import('../lib/curation.js').FieldChange} f */
function long(f) {
  const size = (/** @type {Value | null} */ v) => (v === null || v.kind === 'template' ? 12 : v.text.length);
  return size(f.before) + size(f.after) > LONG;
}
