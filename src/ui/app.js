import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { html } from './lib/html.js';
import { changeRoute, formatRoute, parseRoute } from './lib/route.js';
import { resolveWindow } from './lib/time.js';
import { ApiContext } from './lib/use-api.js';
import { typingIn } from './lib/use-row-keys.js';
import { Header } from './components/header.js';
import { KeyPanel } from './components/key-panel.js';
import { ChangesView } from './views/changes-view.js';
import { CompareView } from './views/compare-view.js';
import { StartView } from './views/start-view.js';
import { TemplateView } from './views/template-view.js';
import { TemplatesView } from './views/templates-view.js';

/** @typedef {import('./lib/route.js').Route} Route */

/** Where the key typed in this tab is kept: sessionStorage, gone with the tab; never the URL. */
const KEY_STORE = 'log-ingest.api-key';
/** The person's name sent with changes (X-Actor), kept like the key. */
const ACTOR_STORE = 'log-ingest.actor';

/** @param {string} name */
function stored(name) {
  try {
    return sessionStorage.getItem(name);
  } catch {
    return null;
  }
}

/**
 * @param {string} name
 * @param {string | null} value null: removed
 */
function store(name, value) {
  try {
    if (value === null) sessionStorage.removeItem(name);
    else sessionStorage.setItem(name, value);
  } catch {
    // Storage refused (a private mode): the value lasts until the page is reloaded.
  }
}

function App() {
  const [route, setRoute] = useState(() => parseRoute(location.search));
  const [key, setKey] = useState(() => stored(KEY_STORE));
  const [actor, setActor] = useState(() => stored(ACTOR_STORE) ?? '');
  const [keyProblem, setKeyProblem] = useState(/** @type {(Error & { status?: number }) | null} */ (null));
  // Preset windows end "now": fixed when the range changes or on refresh, so every request
  // of a view asks for the same window.
  const [now, setNow] = useState(Date.now);

  /** @type {(change: Partial<Route>, options?: { replace?: boolean }) => void} */
  const navigate = useCallback(
    (change, options = {}) => {
      const next = changeRoute(route, change);
      const url = formatRoute(next);
      if (options.replace === true) history.replaceState(null, '', url);
      else history.pushState(null, '', url);
      if (next.range !== route.range || next.from !== route.from || next.to !== route.to) setNow(Date.now());
      if (next.org !== route.org) setKeyProblem(null);
      setRoute(next);
      if (next.view !== route.view || next.template !== route.template) globalThis.scrollTo(0, 0);
    },
    [route],
  );
  const refresh = useCallback(() => setNow(Date.now()), []);

  useEffect(() => {
    const onPop = () => setRoute(parseRoute(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  useEffect(() => {
    /** @param {KeyboardEvent} event */
    const onKey = (event) => {
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (typingIn(event.target)) {
        if (event.key === 'Escape') /** @type {HTMLElement} */ (event.target).blur();
        return;
      }
      if (event.key === '/') {
        const search = document.getElementById('search');
        if (search !== null) {
          event.preventDefault();
          search.focus();
        }
      } else if (event.key === 'r') refresh();
      else if (route.org !== '' && event.key === 't') navigate({ view: 'templates' });
      else if (route.org !== '' && event.key === 'c') navigate({ view: 'compare' });
      else if (route.org !== '' && event.key === 'h') navigate({ view: 'changes' });
      else if (event.key === 'Escape' && route.view === 'template') navigate({ view: 'templates' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [route, navigate, refresh]);

  useEffect(() => {
    const where = route.view === 'template' ? `template ${route.template}` : route.view;
    document.title = route.org === '' ? 'log-ingest explorer' : `${route.org} · ${where} · log-ingest`;
  }, [route]);

  const window = useMemo(() => resolveWindow(route, now), [route.range, route.from, route.to, now]);
  const access = useMemo(
    () => ({
      key,
      onKeyProblem: setKeyProblem,
      actor,
      setActor: (/** @type {string} */ name) => {
        store(ACTOR_STORE, name === '' ? null : name);
        setActor(name);
      },
    }),
    [key, actor],
  );
  const useKey = (/** @type {string} */ typed) => {
    store(KEY_STORE, typed);
    setKeyProblem(null);
    setKey(typed);
  };
  const forgetKey = () => {
    store(KEY_STORE, null);
    setKey(null);
  };

  const props = { route, window, now, navigate };
  const body =
    keyProblem !== null
      ? html`<${KeyPanel}
          problem=${keyProblem}
          hadKey=${key !== null}
          org=${route.org}
          onKey=${useKey}
          onForget=${() => {
            forgetKey();
            setKeyProblem(null);
          }}
        />`
      : route.org === ''
        ? html`<${StartView} onOrg=${(/** @type {string} */ org) => navigate({ org })} />`
        : route.view === 'template'
          ? html`<${TemplateView} ...${props} />`
          : route.view === 'compare'
            ? html`<${CompareView} ...${props} />`
            : route.view === 'changes'
              ? html`<${ChangesView} ...${props} />`
              : html`<${TemplatesView} ...${props} />`;

  return html`<${ApiContext.Provider} value=${access}>
    <${Header} route=${route} window=${window} navigate=${navigate} refresh=${refresh} hasKey=${key !== null} forgetKey=${forgetKey} />
    <main class="main">${body}</main>
    <footer class="footer muted">
      <span><kbd>/</kbd> search</span><span><kbd>j</kbd> <kbd>k</kbd> move</span><span><kbd>Enter</kbd> open</span>
      <span><kbd>Esc</kbd> back</span><span><kbd>t</kbd> templates</span><span><kbd>c</kbd> compare</span><span><kbd>h</kbd> changes</span><span><kbd>r</kbd> refresh</span>
      <a href="/docs">API</a>
    </footer>
  </${ApiContext.Provider}>`;
}

const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
