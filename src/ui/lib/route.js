/**
 * What the page shows is all in its URL (`/ui?org=acme&template=12&range=7d`), so every view
 * is a link that can be shared, bookmarked and opened in a new tab. Never the API key.
 */
import { DEFAULT_RANGE } from './time.js';

/**
 * @typedef {object} Route
 * @property {string} org
 * @property {'templates' | 'template' | 'compare' | 'changes'} view the org's templates, one, two windows compared, or the record of curation changes
 * @property {number | null} template the template id, on its page
 * @property {string} range a preset id, or `custom`
 * @property {string} from custom range start (ISO 8601)
 * @property {string} to custom range end (ISO 8601; empty: now)
 * @property {string} q search over template text
 * @property {string} sort a column id, `-` first for descending
 * @property {string} status compare: only `new`, `gone` or `changed` (empty: all)
 * @property {string} baseline compare: `previous` (the window before), `week` (a week before) or `custom`
 * @property {string} baseline_from compare, custom baseline start
 * @property {string} baseline_to compare, custom baseline end
 */

/** @type {Route} */
const DEFAULTS = {
  org: '',
  view: 'templates',
  template: null,
  range: DEFAULT_RANGE,
  from: '',
  to: '',
  q: '',
  sort: '',
  status: '',
  baseline: 'previous',
  baseline_from: '',
  baseline_to: '',
};

/** The views named by `view=` (the others follow from `template=`). */
const VIEWS = ['compare', 'changes'];

/** @param {string} search the URL's query, e.g. `?org=acme` */
export function parseRoute(search) {
  const params = new URLSearchParams(search);
  const text = (/** @type {string} */ name) => params.get(name) ?? '';
  const id = Number(text('template'));
  const template = /^\d{1,16}$/.test(text('template')) && id > 0 ? id : null;
  /** @type {Route} */
  const route = {
    ...DEFAULTS,
    org: text('org').trim(),
    view: VIEWS.includes(text('view'))
      ? /** @type {'compare' | 'changes'} */ (text('view'))
      : template !== null
        ? 'template'
        : 'templates',
    template,
  };
  for (const name of /** @type {const} */ ([
    'range',
    'from',
    'to',
    'q',
    'sort',
    'status',
    'baseline',
    'baseline_from',
    'baseline_to',
  ])) {
    const value = params.get(name);
    if (value !== null && value !== '') route[name] = value;
  }
  return route;
}

/**
 * The query of a route: only what differs from the defaults, in a stable order.
 * @param {Route} route
 */
export function formatRoute(route) {
  const params = new URLSearchParams();
  if (route.org !== '') params.set('org', route.org);
  if (route.view === 'compare' || route.view === 'changes') params.set('view', route.view);
  if (route.view === 'template' && route.template !== null) params.set('template', String(route.template));
  for (const name of /** @type {const} */ ([
    'range',
    'from',
    'to',
    'q',
    'sort',
    'status',
    'baseline',
    'baseline_from',
    'baseline_to',
  ])) {
    if (route[name] !== DEFAULTS[name]) params.set(name, route[name]);
  }
  const query = params.toString();
  return query === '' ? '/ui' : `/ui?${query}`;
}

/**
 * The route after a change: switching view or org forgets what belonged to the old one.
 * @param {Route} route
 * @param {Partial<Route>} change
 * @returns {Route}
 */
export function changeRoute(route, change) {
  const next = { ...route, ...change };
  if (change.view !== undefined && change.view !== route.view) {
    next.sort = change.sort ?? '';
    next.status = change.status ?? '';
    if (next.view !== 'template') next.template = null;
  }
  if (change.org !== undefined && change.org !== route.org) {
    // Another org: the same view and windows (a template id belongs to one org only).
    const { range, from, to, baseline, baseline_from, baseline_to } = next;
    const view = next.view === 'template' ? 'templates' : next.view;
    return { ...DEFAULTS, org: next.org, view, range, from, to, baseline, baseline_from, baseline_to };
  }
  return next;
}
