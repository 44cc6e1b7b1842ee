import { useCallback, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatCount, formatShare } from '../lib/format.js';
import { formatRoute } from '../lib/route.js';
import { formatAgo, formatDuration, formatExact, stepFor, stepParam } from '../lib/time.js';
import { allTemplates } from '../lib/all-templates.js';
import { useApi } from '../lib/use-api.js';
import { useRowKeys } from '../lib/use-row-keys.js';
import { ruleLabel } from '../lib/curation.js';
import { AddTemplate } from '../components/add-template.js';
import { LevelBar } from '../components/levels.js';
import { Link } from '../components/link.js';
import { MAX_ROWS, MoreRows } from '../components/more-rows.js';
import { SearchBox } from '../components/search-box.js';
import { SortHeader, sortRows } from '../components/sort-header.js';
import { Sparkline } from '../components/sparkline.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TemplateText } from '../components/template-text.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 * @typedef {import('../lib/time.js').Window} Window
 * @typedef {{ id: number, template: string | null, count: number, first_seen: string, last_seen: string, levels: Record<string, number>, series?: Array<{ time: string, count: number }>,
 *   curation?: import('../lib/curation.js').Curation, merged?: number[] }} Volume
 * @typedef {Volume & { isNew: boolean }} Row
 */

/** Points in a sparkline: enough for a shape, few enough to stay light for 500 rows. */
const SPARK_POINTS = 60;

const COLUMNS = {
  count: (/** @type {Row} */ r) => r.count,
  template: (/** @type {Row} */ r) => r.curation?.name || (r.template ?? ''),
  first: (/** @type {Row} */ r) => Date.parse(r.first_seen),
  last: (/** @type {Row} */ r) => Date.parse(r.last_seen),
};

/**
 * An org's templates in the window, loudest first: volume with a sparkline, share, level mix,
 * first and last seen, the ones first seen inside the window marked new, each with its name and
 * a mark for an ingest rule or templates merged into it; search over the text and names; a
 * template added by hand.
 * @param {{ route: Route, window: Window, now: number, navigate: (change: Partial<Route>, options?: { replace?: boolean }) => void }} props
 */
export function TemplatesView({ route, window, now, navigate }) {
  const stepMs = stepFor(window, SPARK_POINTS);
  const res = useApi(
    async (/** @type {Get} */ get) => {
      // The window's counts, and each template's first sight ever (the all-time list is kept
      // up to date by a materialised view, so it costs little): "new" means first seen inside
      // the window, not just first seen in it.
      const [volume, ever] = await Promise.all([
        /** @type {Promise<{ templates: Volume[] }>} */ (
          allTemplates(get, { org: route.org, from: window.from, to: window.to, step: stepParam(stepMs) })
        ),
        /** @type {Promise<{ templates: Array<{ id: number, first_seen: string | null }> }>} */ (
          allTemplates(get, { org: route.org })
        ),
      ]);
      /** @type {Map<number, string | null>} */
      const firstEver = new Map(ever.templates.map((t) => [t.id, t.first_seen]));
      /** @type {Row[]} */
      const rows = volume.templates.map((v) => {
        const first = firstEver.get(v.id);
        return { ...v, isNew: v.id !== 0 && first != null && Date.parse(first) >= window.from };
      });
      return rows;
    },
    [route.org, window.from, window.to],
  );
  const [adding, setAdding] = useState(false);
  const rows = res.data ?? [];
  const query = route.q.trim().toLowerCase();
  const shown = sortRows(
    query === ''
      ? rows
      : rows.filter(
          (r) =>
            (r.template ?? 'logs without a template').toLowerCase().includes(query) ||
            (r.curation?.name ?? '').toLowerCase().includes(query) ||
            String(r.id) === query,
        ),
    route.sort === '' ? '-count' : route.sort,
    COLUMNS,
  );
  const total = rows.reduce((sum, r) => sum + r.count, 0);
  const open = useCallback(
    (/** @type {number} */ i) => {
      const row = shown[i];
      if (row !== undefined && row.id !== 0) navigate({ view: 'template', template: row.id });
    },
    [shown],
  );
  const selected = useRowKeys(Math.min(shown.length, MAX_ROWS), open);

  if (res.error !== undefined) return html`<${ErrorState} error=${res.error} retry=${res.reload} />`;
  if (res.data === undefined) return html`<${Loading} what="templates" />`;
  const learned = rows.filter((r) => r.id !== 0);
  const fresh = learned.filter((r) => r.isNew).length;
  const untemplated = rows.find((r) => r.id === 0)?.count ?? 0;
  const sort = route.sort === '' ? '-count' : route.sort;
  // Share bars are drawn against the loudest template, so small ones stay comparable.
  const loudest = Math.max(1, ...rows.map((r) => r.count));
  const onSort = (/** @type {string} */ s) => navigate({ sort: s === '-count' ? '' : s }, { replace: true });

  return html`<section class=${res.loading ? 'view reloading' : 'view'} aria-busy=${res.loading}>
    <div class="view-head">
      <div class="summary" aria-label="Summary">
        <span class="summary-item"><span class="num strong">${formatCount(total)}</span> logs</span>
        <span class="summary-item"
          ><span class="num strong">${formatCount(learned.length)}</span> templates</span
        >
        ${
          fresh > 0
            ? html`<button
                type="button"
                class="summary-item linkish"
                onClick=${() => navigate({ sort: '-first' }, { replace: true })}
                title="Sort by first seen"
              >
                <span class="badge badge-new">new</span> <span class="num strong">${fresh}</span>
              </button>`
            : null
        }
        ${
          untemplated > 0
            ? html`<span class="summary-item" title="Lines stored without a template (template id 0)"
                ><span class="num strong">${formatCount(untemplated)}</span> without a template</span
              >`
            : null
        }
        <span class="summary-item muted">${formatDuration(stepMs)} per point</span>
      </div>
      <${SearchBox}
        value=${route.q}
        placeholder="Search templates"
        onChange=${(/** @type {string} */ q) => navigate({ q }, { replace: true })}
      />
      <button type="button" class="button" aria-expanded=${adding} onClick=${() => setAdding(!adding)}>
        + Add a template
      </button>
    </div>
    ${adding ? html`<${AddTemplate} route=${route} navigate=${navigate} onClose=${() => setAdding(false)} />` : null}
    ${
      rows.length === 0
        ? html`<${Empty} title=${`No logs for ${route.org} in this window`}>
          <p class="muted">Widen the time range, check the org’s name, or send a line:</p>
          <pre class="snippet">curl -X POST ${globalThis.location.origin}/logs/ingest -H 'content-type: application/json' \\
  -d '{"org": ${JSON.stringify(route.org)}, "message": "Disk 3 at 91%"}'</pre>
        </${Empty}>`
        : shown.length === 0
          ? html`<${Empty} title=${`No template matches “${route.q}”`}>
            <button type="button" class="button" onClick=${() => navigate({ q: '' }, { replace: true })}>Clear the search</button>
          </${Empty}>`
          : html`<div class="table-wrap">
              <table class="table templates-table">
                <thead>
                  <tr>
                    <th
                      scope="col"
                      class="col-spark"
                      title="Logs per point over the window, each row scaled to its own peak"
                    >
                      Volume
                    </th>
                    <${SortHeader}
                      id="count"
                      label="Count"
                      sort=${sort}
                      first="desc"
                      onSort=${onSort}
                      class="col-num"
                    />
                    <th
                      scope="col"
                      class="col-share"
                      title="Share of the window’s logs; bars against the loudest template"
                    >
                      Share
                    </th>
                    <${SortHeader} id="template" label="Template" sort=${sort} first="asc" onSort=${onSort} />
                    <th scope="col" class="col-levels">Levels</th>
                    <${SortHeader}
                      id="first"
                      label="First seen"
                      sort=${sort}
                      first="desc"
                      onSort=${onSort}
                      class="col-time"
                      title="First seen within the window"
                    />
                    <${SortHeader}
                      id="last"
                      label="Last seen"
                      sort=${sort}
                      first="desc"
                      onSort=${onSort}
                      class="col-time"
                    />
                  </tr>
                </thead>
                <tbody>
                  ${shown.slice(0, MAX_ROWS).map(
                    (row, i) =>
                      html`<tr key=${row.id} data-row=${i} class=${i === selected ? 'selected' : ''}>
                        <td class="col-spark"><${Sparkline} series=${row.series} /></td>
                        <td class="col-num num" data-count=${row.count}>${formatCount(row.count)}</td>
                        <td class="col-share">
                          <span class="share"
                            ><span class="share-bar"
                              ><span
                                class="share-fill"
                                style=${{ width: `${(row.count / loudest) * 100}%` }}
                              ></span></span
                            ><span class="num muted"
                              >${formatShare(row.count / Math.max(1, total))}</span
                            ></span
                          >
                        </td>
                        <td class="col-template">
                          ${row.isNew ? html`<span class="badge badge-new" title="First seen inside this window">new</span> ` : null}
                          <${CurationBadges} row=${row} />
                          ${
                            row.id === 0
                              ? html`<span
                                  title="Lines stored without a template: over 1,000 tokens, or the org at its template cap"
                                  ><${TemplateText} template=${null}
                                /></span>`
                              : html`<${Link}
                            class="template-link"
                            href=${formatRoute({ ...route, view: 'template', template: row.id, sort: '', q: '' })}
                            onNavigate=${() => navigate({ view: 'template', template: row.id })}
                            >${row.curation?.name ? html`<span class="template-name">${row.curation.name}</span>` : null}<${TemplateText}
                              template=${row.template}
                          /></${Link}>`
                          }
                        </td>
                        <td class="col-levels"><${LevelBar} levels=${row.levels} /></td>
                        <td class="col-time muted" title=${formatExact(row.first_seen)}>
                          ${formatAgo(row.first_seen, now)}
                        </td>
                        <td class="col-time muted" title=${formatExact(row.last_seen)}>
                          ${formatAgo(row.last_seen, now)}
                        </td>
                      </tr>`,
                  )}
                  <${MoreRows} hidden=${shown.length - MAX_ROWS} columns=${7} />
                </tbody>
              </table>
            </div>`
    }
  </section>`;
}

/**
 * A row's marks before its text (a long text is cut at its end): a rule other than keep, and how many templates are merged into
 * it (its counts include theirs).
 * @param {{ row: Row }} props
 */
function CurationBadges({ row }) {
  const merged = row.merged?.length ?? 0;
  const rule = row.curation?.rule ?? 'keep';
  return html`${
    rule === 'keep' || row.curation === undefined
      ? null
      : html`<span
            class="badge badge-rule"
            title=${rule === 'drop' ? 'Ingest rule drop: lines are counted, their text not kept' : 'Ingest rule sample: the other lines are counted, their text not kept'}
            >${ruleLabel(row.curation)}</span
          >${' '}`
  }${
    merged === 0
      ? null
      : html`<span class="badge badge-merged" title=${`${merged} merged into this one: counted here`}
            >+${merged} merged</span
          >${' '}`
  }`;
}
