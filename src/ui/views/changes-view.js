import { html } from '../lib/html.js';
import { formatCount } from '../lib/format.js';
import { changesWithTemplates } from '../lib/known-templates.js';
import { useApi } from '../lib/use-api.js';
import { ChangeList } from '../components/change-list.js';
import { Empty, ErrorState, Loading } from '../components/states.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 */

/** Changes shown: the record is newest first, and a page of this many reads in one sitting. */
const LIMIT = 200;

/**
 * The org's record of curation: every name, note, rule, merge and seed, newest first, who made
 * it and what it changed. Not bound to the time range: it is the record of the org.
 * @param {{ route: Route, now: number, navigate: (change: Partial<Route>) => void }} props
 */
export function ChangesView({ route, now, navigate }) {
  const res = useApi(
    (/** @type {Get} */ get) => changesWithTemplates(get, route.org, { limit: LIMIT }),
    [route.org, now],
  );
  if (res.error !== undefined) return html`<${ErrorState} error=${res.error} retry=${res.reload} />`;
  if (res.data === undefined) return html`<${Loading} what="the record of changes" />`;
  const { changes, known } = res.data;
  return html`<section class=${res.loading ? 'view reloading' : 'view'} aria-busy=${res.loading}>
    <div class="view-head">
      <div class="summary">
        <span class="summary-item"
          ><span class="num strong">${formatCount(changes.length)}</span>
          ${changes.length === LIMIT ? 'latest changes' : changes.length === 1 ? 'change' : 'changes'}</span
        >
        <span class="summary-item muted"
          >names, notes, ingest rules, merges and templates added, newest first</span
        >
      </div>
    </div>
    ${
      changes.length === 0
        ? html`<${Empty} title=${`Nobody has curated ${route.org}’s templates yet`}>
            <p class="muted">Open a template to name it, note it, set its ingest rule or merge it.</p>
          </${Empty}>`
        : html`<section class="card changes-card">
            <${ChangeList}
              changes=${changes}
              known=${known}
              withTemplate=${true}
              route=${route}
              navigate=${navigate}
              now=${now}
            />
          </section>`
    }
  </section>`;
}
