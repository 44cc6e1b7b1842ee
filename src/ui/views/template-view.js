import { useContext, useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { ApiContext, useApi } from '../lib/use-api.js';
import { apiGet, isKeyProblem } from '../lib/api.js';
import { formatCount, formatShare } from '../lib/format.js';
import { formatRoute } from '../lib/route.js';
import { templateParts } from '../lib/template-parts.js';
import { formatAgo, formatDuration, formatExact, stepFor, stepParam } from '../lib/time.js';
import { ruleLabel } from '../lib/curation.js';
import { CurationCard } from '../components/curation-card.js';
import { LevelBadge, LevelList } from '../components/levels.js';
import { Link } from '../components/link.js';
import { SeriesChart } from '../components/series-chart.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { HighlightedLine, TemplateText, varClass } from '../components/template-text.js';
import { MergedBanner } from '../components/merged-banner.js';
import { TemplateChanges } from '../components/template-changes.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/use-api.js').Get} Get
 * @typedef {import('../lib/time.js').Window} Window
 * @typedef {{ timestamp: string, level: string, service: string, host: string, message: string, template: string | null, variables: string[] }} LogLine
 * @typedef {{ position: number, distinct: number, top: Array<{ value: string, count: number }> }} Variable
 * @typedef {{ id: number, template: string, source: string, created_at: string, updated_at: string,
 *   volume: { count: number, first_seen: string, last_seen: string, levels: Record<string, number>, series?: Array<{ time: string, count: number }> } | null,
 *   examples: LogLine[], variables: Variable[], curation?: import('../lib/curation.js').Curation, merged?: number[] }} Detail
 */

/** Bars in the chart: fine enough to see bursts, coarse enough to read. */
const CHART_POINTS = 120;
/** Lines per page when more are asked for. */
const PAGE = 50;

/**
 * One template: its name and text (each `<*>` numbered), its volume over the window as a chart,
 * the values each variable took, and its latest lines with the values highlighted; beside them
 * its curation (name, note, ingest rule, merges) and the record of its changes.
 * @param {{ route: Route, window: Window, now: number, navigate: (change: Partial<Route>) => void }} props
 */
export function TemplateView({ route, window, now, navigate }) {
  const id = route.template ?? 0;
  const stepMs = stepFor(window, CHART_POINTS);
  // Bumped by each change saved here: the template and its record are read again.
  const [saves, setSaves] = useState(0);
  const onSaved = () => setSaves((n) => n + 1);
  const res = useApi(
    (/** @type {Get} */ get) =>
      /** @type {Promise<Detail>} */ (
        get(`/templates/${id}`, { org: route.org, from: window.from, to: window.to, step: stepParam(stepMs) })
      ),
    [route.org, id, window.from, window.to, saves],
  );
  const back = html`<${Link}
    class="back"
    href=${formatRoute({ ...route, view: 'templates', template: null })}
    onNavigate=${() => navigate({ view: 'templates' })}
    >← Templates</${Link}
  >`;
  if (res.error !== undefined) {
    return html`<section class="view">
      ${back}<${ErrorState} error=${res.error} retry=${res.reload} />
    </section>`;
  }
  const detail = res.data;
  if (detail === undefined)
    return html`<section class="view">${back}<${Loading} what="the template" /></section>`;
  const volume = detail.volume;
  const curation = detail.curation;
  const name = curation?.name ?? '';
  const text = html`<${TemplateText} template=${detail.template} numbered />`;
  // The banner and the curation's forms are keyed by template: moving to another (a merge's
  // link) must not carry over what was typed, or a Saved, made on this one.
  return html`<section class=${res.loading ? 'view reloading' : 'view'} aria-busy=${res.loading}>
    ${back}
    ${
      curation?.merged_into == null
        ? null
        : html`<${MergedBanner}
            key=${detail.id}
            org=${route.org}
            id=${detail.id}
            target=${curation.merged_into}
            route=${route}
            navigate=${navigate}
            onSaved=${onSaved}
          />`
    }
    <header class="template-head">
      <div class="template-head-main">
        ${
          name === ''
            ? html`<h1 class="template-title">${text}</h1>`
            : html`<h1 class="template-name-title">${name}</h1>
                <p class="template-title">${text}</p>`
        }
        ${curation?.note ? html`<p class="template-note">${curation.note}</p>` : null}
        <p class="template-meta muted">
          <span>id <span class="num">${detail.id}</span></span>
          <span
            >${detail.source === 'manual' ? 'seeded by hand' : `made by ${detail.source === 'builtin' ? 'the built-in miner' : detail.source}`}</span
          >
          <span title=${formatExact(detail.created_at)}
            >${detail.source === 'manual' ? 'added' : 'learned'} ${formatAgo(detail.created_at, now)}</span
          >
          ${
            detail.updated_at !== detail.created_at
              ? html`<span title=${formatExact(detail.updated_at)}
                  >refined ${formatAgo(detail.updated_at, now)}</span
                >`
              : null
          }
          ${
            curation === undefined || curation.rule === 'keep'
              ? null
              : html`<span class="badge badge-rule" title="Ingest rule: lines not kept are still counted"
                  >${ruleLabel(curation)}</span
                >`
          }
          ${
            (detail.merged?.length ?? 0) === 0
              ? null
              : html`<span class="badge badge-merged">${detail.merged?.length} merged in</span>`
          }
        </p>
      </div>
      <dl class="stats">
        <div class="stat">
          <dt>Logs in window</dt>
          <dd class="num">${formatCount(volume?.count ?? 0)}</dd>
        </div>
        <div class="stat">
          <dt>First seen</dt>
          <dd title=${volume === null ? '' : formatExact(volume.first_seen)}>
            ${volume === null ? '—' : formatAgo(volume.first_seen, now)}
          </dd>
        </div>
        <div class="stat">
          <dt>Last seen</dt>
          <dd title=${volume === null ? '' : formatExact(volume.last_seen)}>
            ${volume === null ? '—' : formatAgo(volume.last_seen, now)}
          </dd>
        </div>
        ${
          volume === null
            ? null
            : html`<div class="stat stat-wide">
                <dt>Levels</dt>
                <dd><${LevelList} levels=${volume.levels} /></dd>
              </div>`
        }
      </dl>
    </header>
    <div class="template-body">
      <div class="template-main">
        ${
          volume === null
            ? html`<${Empty} title="No line of this template in the window"><p class="muted">Widen the time range to see its history.</p>
            ${
              route.range === '30d'
                ? null
                : html`<button
                    type="button"
                    class="button"
                    onClick=${() => navigate({ range: '30d', from: '', to: '' })}
                  >
                    Show the last 30 days
                  </button>`
            }
          </${Empty}>`
            : html`<section class="card">
                  <h2 class="card-title">Volume <span class="muted">per ${formatDuration(stepMs)}</span></h2>
                  <${SeriesChart} series=${volume.series ?? []} stepMs=${stepMs} />
                </section>
                ${
                  detail.variables.length === 0
                    ? null
                    : html`<section class="card">
                        <h2 class="card-title">
                          Variables <span class="muted">the values seen most in the window</span>
                        </h2>
                        <div class="variables">
                          ${detail.variables.map((v) => html`<${VariableCard} key=${v.position} variable=${v} template=${detail.template} total=${volume.count} />`)}
                        </div>
                      </section>`
                }
                <${Lines} route=${route} window=${window} detail=${detail} />`
        }
      </div>
      <aside class="template-aside" aria-label="Curation">
        <${CurationCard}
          key=${detail.id}
          org=${route.org}
          detail=${detail}
          route=${route}
          navigate=${navigate}
          onSaved=${onSaved}
        />
        <${TemplateChanges}
          org=${route.org}
          id=${detail.id}
          saves=${saves}
          route=${route}
          navigate=${navigate}
          now=${now}
        />
      </aside>
    </div>
  </section>`;
}

/**
 * The values one `<*>` took: the most frequent with counts and share, and how many distinct.
 * @param {{ variable: Variable, template: string, total: number }} props
 */
function VariableCard({ variable, template, total }) {
  const listed = variable.top.reduce((sum, v) => sum + v.count, 0);
  return html`<article class="variable" aria-label=${`variable ${variable.position + 1}`}>
    <header class="variable-head">
      <span class=${varClass(variable.position)}><sub>${variable.position + 1}</sub></span>
      <span class="variable-context mono">${context(template, variable.position)}</span>
      <span class="muted variable-distinct"
        ><span class="num">${formatCount(variable.distinct)}</span> distinct</span
      >
    </header>
    <table class="values">
      <tbody>
        ${variable.top.map(
          (v) =>
            html`<tr>
              <td class="value mono" title=${v.value}>
                ${v.value === '' ? html`<span class="muted">(empty)</span>` : v.value}
              </td>
              <td class="value-bar">
                <span class="value-track">
                  <span
                    class=${`value-fill ${varClass(variable.position)}`}
                    style=${{ width: `${(v.count / Math.max(1, total)) * 100}%` }}
                  ></span>
                </span>
              </td>
              <td class="num">${formatCount(v.count)}</td>
              <td class="num muted">${formatShare(v.count / Math.max(1, total))}</td>
            </tr>`,
        )}
        ${
          total > listed
            ? html`<tr class="values-rest">
                <td class="muted">other values</td>
                <td></td>
                <td class="num muted">${formatCount(total - listed)}</td>
                <td class="num muted">${formatShare((total - listed) / Math.max(1, total))}</td>
              </tr>`
            : null
        }
      </tbody>
    </table>
  </article>`;
}

/**
 * The words around a variable in its template, to tell `<*>`s apart: `timeout after <*> s`.
 * @param {string} template
 * @param {number} position
 */
function context(template, position) {
  const parts = templateParts(template);
  const at = parts.findIndex((p) => p.position === position);
  const literal = (/** @type {number} */ i) => (parts[i]?.position === null ? (parts[i]?.text ?? '') : '');
  const words = (/** @type {string} */ text) => text.split(/\s+/).filter((w) => w !== '');
  const [beforeText, afterText] = [literal(at - 1), literal(at + 1)];
  const before = words(beforeText);
  const after = words(afterText);
  // Two words on each side, spaced as the template is, an ellipsis where it goes on.
  const head = `${before.length > 2 || at > 1 ? '…' : ''}${before.slice(-2).join(' ')}${/\s$/.test(beforeText) ? ' ' : ''}`;
  const tail = `${/^\s/.test(afterText) ? ' ' : ''}${after.slice(0, 2).join(' ')}${after.length > 2 || at + 2 < parts.length ? '…' : ''}`;
  return html`${head}<span class=${varClass(position)}>${'<*>'}</span>${tail}`;
}

/**
 * The template's latest lines (the detail's examples), then pages of older ones on request.
 * @param {{ route: Route, window: Window, detail: Detail }} props
 */
function Lines({ route, window, detail }) {
  const access = useContext(ApiContext);
  const [lines, setLines] = useState(detail.examples);
  /** undefined: only the examples shown yet; null: no older page. */
  const [cursor, setCursor] = useState(/** @type {string | null | undefined} */ (undefined));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {Error | null} */ (null));
  useEffect(() => {
    setLines(detail.examples);
    setCursor(undefined);
  }, [detail]);
  const more = async () => {
    setBusy(true);
    setError(null);
    try {
      const page = /** @type {{ logs: LogLine[], next_cursor: string | null }} */ (
        await apiGet(
          '/logs',
          {
            org: route.org,
            template_id: detail.id,
            from: window.from,
            to: window.to,
            limit: PAGE,
            cursor: cursor ?? undefined,
          },
          { key: access.key },
        )
      );
      setLines(cursor === undefined ? page.logs : [...lines, ...page.logs]);
      setCursor(page.next_cursor);
    } catch (err) {
      if (isKeyProblem(err)) access.onKeyProblem(/** @type {Error} */ (err));
      setError(/** @type {Error} */ (err));
    } finally {
      setBusy(false);
    }
  };
  const total = detail.volume?.count ?? 0;
  // Lines sent without a service or host need no column for them.
  const sources = lines.some((line) => line.service !== '' || line.host !== '');
  return html`<section class="card">
    <h2 class="card-title">
      Lines <span class="muted">latest first, ${formatCount(lines.length)} of ${formatCount(total)}</span>
    </h2>
    <div class="table-wrap">
      <table class="table lines">
        <thead>
          <tr>
            <th scope="col" class="col-time">Time</th>
            <th scope="col" class="col-level">Level</th>
            ${sources ? html`<th scope="col" class="col-source">Service · host</th>` : null}
            <th scope="col">Line</th>
          </tr>
        </thead>
        <tbody>
          ${lines.map(
            (line, i) =>
              html`<tr key=${i}>
                <td class="col-time num muted">${formatExact(line.timestamp)}</td>
                <td class="col-level"><${LevelBadge} level=${line.level} /></td>
                ${
                  sources
                    ? html`<td class="col-source muted">
                        ${[line.service, line.host].filter((s) => s !== '').join(' · ')}
                      </td>`
                    : null
                }
                <td class="line mono">
                  <${HighlightedLine}
                    message=${line.message}
                    template=${line.template ?? detail.template}
                    variables=${line.variables}
                  />
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${error === null ? null : html`<p class="field-error" role="alert">${error.message}</p>`}
    ${
      cursor !== null && lines.length < total
        ? html`<button type="button" class="button more" onClick=${more} disabled=${busy}>
            ${busy ? 'Loading…' : cursor === undefined ? `Show the latest ${PAGE}` : `Show ${PAGE} older`}
          </button>`
        : null
    }
  </section>`;
}
