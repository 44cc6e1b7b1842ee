import { html } from '../lib/html.js';
import { LOOKUPS } from '../lib/known-templates.js';
import { formatRoute } from '../lib/route.js';
import { useApi } from '../lib/use-api.js';
import { useChange } from '../lib/use-change.js';
import { Link } from './link.js';
import { SaveStatus } from './save-status.js';
import { TemplateText } from './template-text.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 * @typedef {import('../lib/curation.js').Curation} Curation
 * @typedef {{ id: number, template: string, curation?: Curation }} Source
 */

/**
 * The templates merged into this one, each with an undo. Merged templates are not in the org's
 * lists (they are counted here), so each is read on its own, its volume cut to nothing (the
 * first LOOKUPS; any more show by id).
 * @param {{ org: string, ids: readonly number[], route: Route, navigate: (change: Partial<Route>) => void, onSaved: () => void }} props
 */
export function MergedList({ org, ids, route, navigate, onSaved }) {
  const sources = useApi(
    (/** @type {Get} */ get) =>
      /** @type {Promise<Source[]>} */ (
        Promise.all(ids.slice(0, LOOKUPS).map((id) => get(`/templates/${id}`, { org, from: 0, to: 0 })))
      ),
    [org, ids.join(',')],
  );
  return html`<ul class="merged-list" aria-label="Merged into this template">
    ${ids.map((id, i) => {
      const source = sources.data?.[i];
      return html`<${MergedItem}
        key=${id}
        org=${org}
        id=${id}
        source=${source}
        route=${route}
        navigate=${navigate}
        onSaved=${onSaved}
      />`;
    })}
  </ul>`;
}

/**
 * @param {{ org: string, id: number, source: Source | undefined, route: Route, navigate: (change: Partial<Route>) => void, onSaved: () => void }} props
 */
function MergedItem({ org, id, source, route, navigate, onSaved }) {
  const change = useChange();
  const undo = async () => {
    if ((await change.send('PATCH', `/templates/${id}`, { org }, { merged_into: null })) !== undefined)
      onSaved();
  };
  return html`<li class="merged-item">
    <${Link}
      class="template-link"
      href=${formatRoute({ ...route, view: 'template', template: id })}
      onNavigate=${() => navigate({ view: 'template', template: id })}
      >${
        source === undefined
          ? html`template <span class="num">${id}</span>`
          : html`${source.curation?.name ? html`<span class="template-name">${source.curation.name}</span> ` : null}<${TemplateText}
                template=${source.template}
              />`
      }</${Link}
    >
    <button type="button" class="button small" onClick=${undo} disabled=${change.saving}>
      Undo merge
    </button>
    <${SaveStatus} change=${change} />
  </li>`;
}
