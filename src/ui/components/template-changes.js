import { html } from '../lib/html.js';
import { formatRoute } from '../lib/route.js';
import { changesWithTemplates } from '../lib/known-templates.js';
import { useApi } from '../lib/use-api.js';
import { ChangeList } from './change-list.js';
import { Link } from './link.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 */

/** The latest changes of one template; the org's page has them all. */
const LIMIT = 20;

/**
 * One template's record of changes, read again after each change saved on its page (`saves`).
 * @param {{ org: string, id: number, saves: number, route: Route, navigate: (change: Partial<Route>) => void, now: number }} props
 */
export function TemplateChanges({ org, id, saves, route, navigate, now }) {
  const res = useApi(
    (/** @type {Get} */ get) => changesWithTemplates(get, org, { template_id: id, limit: LIMIT }),
    [org, id, saves],
  );
  const changes = res.data?.changes ?? [];
  return html`<section class="card template-changes" aria-busy=${res.loading}>
    <h2 class="card-title">
      Changes
      <${Link} class="card-link" href=${formatRoute({ ...route, view: 'changes', template: null })} onNavigate=${() => navigate({ view: 'changes' })}
        >all of ${org}</${Link}
      >
    </h2>
    ${
      res.error !== undefined
        ? html`<p class="save-error" role="alert"><code>${res.error.code}</code> ${res.error.message}</p>`
        : res.data === undefined
          ? html`<p class="muted">Loading…</p>`
          : changes.length === 0
            ? html`<p class="muted">No change yet: what is saved here is recorded with who and when.</p>`
            : html`<${ChangeList}
                changes=${changes}
                known=${res.data.known}
                withTemplate=${false}
                route=${route}
                navigate=${navigate}
                now=${now}
              />`
    }
  </section>`;
}
