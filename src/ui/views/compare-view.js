import { useCallback, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatCount, formatRatio } from '../lib/format.js';
import { formatRoute } from '../lib/route.js';
import { formatWindow, fromLocalInput, toLocalInput } from '../lib/time.js';
import { allTemplates } from '../lib/all-templates.js';
import { useApi } from '../lib/use-api.js';
import { useRowKeys } from '../lib/use-row-keys.js';
import { Link } from '../components/link.js';
import { MAX_ROWS, MoreRows } from '../components/more-rows.js';
import { SearchBox } from '../components/search-box.js';
import { SortHeader, sortRows } from '../components/sort-header.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TemplateText } from '../components/template-text.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 * @typedef {import('../lib/time.js').Window} Window
 * @typedef {{ template_id: number, template: string | null, status: 'new' | 'gone' | 'changed', baseline_count: number, count: number, rate_change: number | null, score: number }} Change
 * @typedef {{ templates: Change[], unchanged: number, score: string }} Comparison
 * @typedef {Comparison & { names: Map<number, string> }} Named the comparison, and the names people gave templates
 */

const WEEK = 7 * 24 * 3600_000;

const BASELINES = /** @type {const} */ ([
  { id: 'previous', label: 'Window before' },
  { id: 'week', label: 'A week before' },
  { id: 'custom', label: 'Custom' },
]);

const STATUSES = /** @type {const} */ (['new', 'gone', 'changed']);

const COLUMNS = {
  status: (/** @type {Change} */ c) => STATUSES.indexOf(c.status),
  template: (/** @type {Change} */ c) => c.template ?? '',
  baseline: (/** @type {Change} */ c) => c.baseline_count,
  count: (/** @type {Change} */ c) => c.count,
  change: (/** @type {Change} */ c) => changeValue(c),
  score: (/** @type {Change} */ c) => c.score,
};

/** A change as one number to sort by: gone lowest, new highest. */
function changeValue(/** @type {Change} */ c) {
  if (c.status === 'new') return Number.POSITIVE_INFINITY;
  if (c.status === 'gone') return 0;
  return c.rate_change ?? 1;
}

/**
 * The baseline window the route asks for: the window of the same length just before the
 * target, the same window a week before, or custom ends.
 * @param {Route} route
 * @param {Window} target
 * @returns {Window}
 */
export function baselineOf(route, target) {
  if (route.baseline === 'custom') {
    const from = Date.parse(route.baseline_from);
    const to = Date.parse(route.baseline_to);
    if (Number.isFinite(from) && Number.isFinite(to) && from <= to) return { from, to };
  }
  if (route.baseline === 'week') return { from: target.from - WEEK, to: target.to - WEEK };
  const span = target.to - target.from + 1;
  return { from: target.from - span, to: target.from - 1 };
}

/**
 * Two windows of an org's templates side by side: new, gone and changed in rate, ordered by
 * the G score the API gives, each template by its name too when it has one; filters by status,
 * sortable columns.
 * @param {{ route: Route, window: Window, navigate: (change: Partial<Route>, options?: { replace?: boolean }) => void }} props
 */
export function CompareView({ route, window, navigate }) {
  const baseline = baselineOf(route, window);
  const res = useApi(
    async (/** @type {Get} */ get) => {
      // The comparison gives each template's text; the org's list (the all-time one, which
      // costs little) its name, when someone gave it one.
      const [comparison, list] = await Promise.all([
        /** @type {Promise<Comparison>} */ (
          get('/templates/compare', {
            org: route.org,
            baseline_from: baseline.from,
            baseline_to: baseline.to,
            from: window.from,
            to: window.to,
          })
        ),
        /** @type {Promise<{ templates: Array<{ id: number, curation?: { name: string } }> }>} */ (
          allTemplates(get, { org: route.org })
        ),
      ]);
      /** @type {Map<number, string>} */
      const names = new Map();
      for (const t of list.templates) if (t.curation?.name) names.set(t.id, t.curation.name);
      return /** @type {Named} */ ({ ...comparison, names });
    },
    [route.org, baseline.from, baseline.to, window.from, window.to],
  );
  const names = res.data?.names ?? /** @type {Map<number, string>} */ (new Map());
  const all = res.data?.templates ?? [];
  const query = route.q.trim().toLowerCase();
  const sort = route.sort === '' ? '-score' : route.sort;
  const shown = sortRows(
    all.filter(
      (c) =>
        (route.status === '' || c.status === route.status) &&
        (query === '' ||
          (c.template ?? '').toLowerCase().includes(query) ||
          (names.get(c.template_id) ?? '').toLowerCase().includes(query)),
    ),
    sort,
    COLUMNS,
  );
  // From here a template's page shows both windows, so its chart has the before and after.
  const both = {
    range: 'custom',
    from: new Date(baseline.from).toISOString(),
    to: new Date(window.to).toISOString(),
  };
  const openRoute = (/** @type {Change} */ c) => ({
    view: /** @type {const} */ ('template'),
    template: c.template_id,
    ...both,
  });
  const open = useCallback(
    (/** @type {number} */ i) => {
      const c = shown[i];
      if (c !== undefined && c.template_id !== 0) navigate(openRoute(c));
    },
    [shown],
  );
  const selected = useRowKeys(Math.min(shown.length, MAX_ROWS), open);
  const onSort = (/** @type {string} */ s) => navigate({ sort: s === '-score' ? '' : s }, { replace: true });
  const counts = Object.fromEntries(STATUSES.map((s) => [s, all.filter((c) => c.status === s).length]));

  return html`<section
    class=${res.loading && res.data !== undefined ? 'view reloading' : 'view'}
    aria-busy=${res.loading}
  >
    <div class="compare-windows">
      <${BaselinePicker} route=${route} baseline=${baseline} navigate=${navigate} />
      <div class="window-pair">
        <span class="window-label"><span class="muted">Baseline</span> ${formatWindow(baseline)}</span>
        <span class="window-arrow" aria-hidden="true">→</span>
        <span class="window-label"><span class="muted">Target</span> ${formatWindow(window)}</span>
      </div>
    </div>
    ${
      res.error !== undefined
        ? html`<${ErrorState} error=${res.error} retry=${res.reload} />`
        : res.data === undefined
          ? html`<${Loading} what="the comparison" />`
          : html`<div class="view-head">
                <div class="segmented status-filter" role="group" aria-label="Status">
                  <button
                    type="button"
                    class="segment"
                    aria-pressed=${route.status === ''}
                    onClick=${() => navigate({ status: '' }, { replace: true })}
                  >
                    All <span class="num muted">${all.length}</span>
                  </button>
                  ${STATUSES.map(
                    (s) =>
                      html`<button
                        type="button"
                        class="segment"
                        aria-pressed=${route.status === s}
                        onClick=${() => navigate({ status: s }, { replace: true })}
                      >
                        <span class=${`status-dot status-${s}`}></span>${s}
                        <span class="num muted">${counts[s]}</span>
                      </button>`,
                  )}
                </div>
                <span class="muted unchanged" title=${res.data.score}
                  >${formatCount(res.data.unchanged)} unchanged</span
                >
                <${SearchBox}
                  value=${route.q}
                  placeholder="Search templates"
                  onChange=${(/** @type {string} */ q) => navigate({ q }, { replace: true })}
                />
              </div>
              ${
                shown.length === 0
                  ? html`<${Empty} title=${all.length === 0 ? 'No template changed its rate between these windows' : 'Nothing here with these filters'}>
                  <p class="muted">${formatCount(res.data.unchanged)} templates kept their rate.</p>
                </${Empty}>`
                  : html`<div class="table-wrap">
                      <table class="table compare-table">
                        <thead>
                          <tr>
                            <${SortHeader}
                              id="status"
                              label="Status"
                              sort=${sort}
                              first="asc"
                              onSort=${onSort}
                              class="col-status"
                            />
                            <${SortHeader}
                              id="template"
                              label="Template"
                              sort=${sort}
                              first="asc"
                              onSort=${onSort}
                            />
                            <${SortHeader}
                              id="baseline"
                              label="Baseline"
                              sort=${sort}
                              first="desc"
                              onSort=${onSort}
                              class="col-num"
                            />
                            <${SortHeader}
                              id="count"
                              label="Target"
                              sort=${sort}
                              first="desc"
                              onSort=${onSort}
                              class="col-num"
                            />
                            <${SortHeader}
                              id="change"
                              label="Rate"
                              sort=${sort}
                              first="desc"
                              onSort=${onSort}
                              class="col-num"
                              title="Target rate over baseline rate, each window’s length accounted for"
                            />
                            <${SortHeader}
                              id="score"
                              label="Score"
                              sort=${sort}
                              first="desc"
                              onSort=${onSort}
                              class="col-num"
                              title=${res.data.score}
                            />
                          </tr>
                        </thead>
                        <tbody>
                          ${shown.slice(0, MAX_ROWS).map(
                            (c, i) =>
                              html`<tr
                                key=${c.template_id}
                                data-row=${i}
                                class=${i === selected ? 'selected' : ''}
                              >
                                <td class="col-status">
                                  <span class=${`status status-${c.status}`}>${c.status}</span>
                                </td>
                                <td class="col-template">
                                  ${
                                    c.template_id === 0
                                      ? html`<${TemplateText} template=${null} />`
                                      : html`<${Link}
                                  class="template-link"
                                  href=${formatRoute({ ...route, ...openRoute(c), sort: '', q: '', status: '' })}
                                  onNavigate=${() => navigate(openRoute(c))}
                                  >${names.has(c.template_id) ? html`<span class="template-name">${names.get(c.template_id)}</span>` : null}<${TemplateText}
                                    template=${c.template}
                                /></${Link}>`
                                  }
                                </td>
                                <td class="col-num num" data-count=${c.baseline_count}>
                                  ${formatCount(c.baseline_count)}
                                </td>
                                <td class="col-num num" data-count=${c.count}>${formatCount(c.count)}</td>
                                <td
                                  class=${`col-num num change-${c.status === 'changed' ? ((c.rate_change ?? 1) >= 1 ? 'up' : 'down') : c.status}`}
                                >
                                  ${c.status === 'changed' && c.rate_change !== null ? html`${(c.rate_change ?? 1) >= 1 ? '▲' : '▼'} ${formatRatio(c.rate_change)}` : c.status === 'new' ? '▲ new' : '▼ gone'}
                                </td>
                                <td class="col-num num">${c.score.toFixed(1)}</td>
                              </tr>`,
                          )}
                          <${MoreRows} hidden=${shown.length - MAX_ROWS} columns=${6} />
                        </tbody>
                      </table>
                    </div>`
              }`
    }
  </section>`;
}

/**
 * Which window the target is compared with.
 * @param {{ route: Route, baseline: Window, navigate: (change: Partial<Route>, options?: { replace?: boolean }) => void }} props
 */
function BaselinePicker({ route, baseline, navigate }) {
  const [from, setFrom] = useState(toLocalInput(baseline.from));
  const [to, setTo] = useState(toLocalInput(baseline.to));
  const fromMs = fromLocalInput(from);
  const toMs = fromLocalInput(to);
  const valid = Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs <= toMs;
  /** @param {(v: string) => void} set */
  const onInput = (set) => (/** @type {InputEvent} */ e) =>
    set(/** @type {HTMLInputElement} */ (e.currentTarget).value);
  return html`<div class="baseline-picker">
    <span class="muted">Compare with</span>
    <div class="segmented" role="group" aria-label="Baseline">
      ${BASELINES.map(
        (b) =>
          html`<button
            type="button"
            class="segment"
            aria-pressed=${route.baseline === b.id}
            onClick=${() =>
              navigate(
                b.id === 'custom'
                  ? {
                      baseline: 'custom',
                      baseline_from: new Date(baseline.from).toISOString(),
                      baseline_to: new Date(baseline.to).toISOString(),
                    }
                  : { baseline: b.id, baseline_from: '', baseline_to: '' },
              )}
          >
            ${b.label}
          </button>`,
      )}
    </div>
    ${
      route.baseline === 'custom'
        ? html`<form
            class="inline-form"
            onSubmit=${(/** @type {SubmitEvent} */ e) => {
              e.preventDefault();
              if (valid)
                navigate({
                  baseline_from: new Date(fromMs).toISOString(),
                  baseline_to: new Date(toMs).toISOString(),
                });
            }}
          >
            <input
              class="input"
              type="datetime-local"
              aria-label="Baseline start"
              value=${from}
              onInput=${onInput(setFrom)}
            />
            <span class="muted">–</span>
            <input
              class="input"
              type="datetime-local"
              aria-label="Baseline end"
              value=${to}
              onInput=${onInput(setTo)}
            />
            <button type="submit" class="button" disabled=${!valid}>Apply</button>
          </form>`
        : null
    }
  </div>`;
}
