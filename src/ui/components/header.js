import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatRoute } from '../lib/route.js';
import { RangePicker } from './range-picker.js';
import { Link } from './link.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/time.js').Window} Window
 */

/**
 * The bar over every view: the org (typed, kept in the URL), the views, the time range, a
 * refresh, and the key when one is in use.
 * @param {{ route: Route, window: Window, navigate: (change: Partial<Route>) => void, refresh: () => void, hasKey: boolean, forgetKey: () => void }} props
 */
export function Header({ route, window, navigate, refresh, hasKey, forgetKey }) {
  const [org, setOrg] = useState(route.org);
  useEffect(() => setOrg(route.org), [route.org]);
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    navigate({ org: org.trim() });
  };
  const tab = (
    /** @type {'templates' | 'compare' | 'changes'} */ view,
    /** @type {string} */ label,
    /** @type {string} */ key,
  ) =>
    html`<${Link}
      class="tab"
      href=${formatRoute({ ...route, view, template: null, sort: '', status: '' })}
      aria-current=${route.view === view || (view === 'templates' && route.view === 'template') ? 'page' : undefined}
      title=${`${label} (${key})`}
      onNavigate=${() => navigate({ view })}
      >${label}</${Link}
    >`;
  return html`<header class="topbar">
    <a class="brand" href="/ui" title="log-ingest explorer">
      <img src="/ui/icon.svg" alt="" width="20" height="20" />
      <span>log-ingest</span>
    </a>
    <form class="org-form" onSubmit=${submit} role="search" aria-label="Org">
      <label class="org-label" for="org-input">Org</label>
      <input
        id="org-input"
        class="input org-input"
        value=${org}
        placeholder="acme"
        maxlength="150"
        autocomplete="off"
        spellcheck=${false}
        onInput=${(/** @type {InputEvent} */ e) => setOrg(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
      />
    </form>
    ${
      route.org === ''
        ? null
        : html`<nav class="tabs" aria-label="Views">
            ${tab('templates', 'Templates', 't')}${tab('compare', 'Compare', 'c')}${tab('changes', 'Changes', 'h')}
          </nav>`
    }
    <div class="topbar-end">
      ${
        // The record of changes is the org's whole record: no time range applies to it.
        route.org === '' || route.view === 'changes'
          ? null
          : html`<${RangePicker} route=${route} window=${window} navigate=${navigate} />`
      }
      ${
        route.org === ''
          ? null
          : html`<button
              type="button"
              class="button icon-button"
              onClick=${refresh}
              title="Refresh (r)"
              aria-label="Refresh"
            >
              ↻
            </button>`
      }
      ${
        hasKey
          ? html`<button
              type="button"
              class="button"
              onClick=${forgetKey}
              title="Forget the API key of this tab"
            >
              Forget key
            </button>`
          : null
      }
    </div>
  </header>`;
}
