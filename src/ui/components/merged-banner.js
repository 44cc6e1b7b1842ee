import { html } from '../lib/html.js';
import { formatRoute } from '../lib/route.js';
import { useApi } from '../lib/use-api.js';
import { useChange } from '../lib/use-change.js';
import { Link } from './link.js';
import { SaveStatus } from './save-status.js';
import { TemplateText } from './template-text.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 * @typedef {{ id: number, template: string, curation?: import('../lib/curation.js').Curation }} Target
 */

/**
 * Over a merged template: where its lines are counted now (a link), and the undo.
 * @param {{ org: string, id: number, target: number, route: Route, navigate: (change: Partial<Route>) => void, onSaved: () => void }} props
 */
export function MergedBanner({ org, id, target, route, navigate, onSaved }) {
  // Only its text and name: the window cut to nothing, so no volume is counted for it.
  const res = useApi(
    (/** @type {Get} */ get) =>
      /** @type {Promise<Target>} */ (get(`/templates/${target}`, { org, from: 0, to: 0 })),
    [org, target],
  );
  const change = useChange();
  const undo = async () => {
    if ((await change.send('PATCH', `/templates/${id}`, { org }, { merged_into: null })) !== undefined)
      onSaved();
  };
  const t = res.data;
  return html`<div class="banner merged-banner" role="note">
    <span class="banner-icon" aria-hidden="true">⤷</span>
    <div class="banner-text">
      <strong>Merged into</strong>${' '}
      <${Link}
        class="merged-target"
        href=${formatRoute({ ...route, view: 'template', template: target })}
        onNavigate=${() => navigate({ view: 'template', template: target })}
        >${
          t === undefined
            ? html`template <span class="num">${target}</span>`
            : t.curation?.name
              ? t.curation.name
              : html`<${TemplateText} template=${t.template} />`
        }</${Link}
      >.${' '}
      <span class="muted">Its lines are counted there in every list, chart and comparison; below are its own.</span>
      <${SaveStatus} change=${change} />
    </div>
    <button type="button" class="button" onClick=${undo} disabled=${change.saving}>
      Undo merge
    </button>
  </div>`;
}
