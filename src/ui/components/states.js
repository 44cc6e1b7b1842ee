import { html } from '../lib/html.js';

/**
 * @param {{ what: string }} props what is loading, for screen readers and the line shown
 */
export function Loading({ what }) {
  return html`<div class="state state-loading" role="status" aria-live="polite">
    <span class="spinner" aria-hidden="true"></span> Loading ${what}…
  </div>`;
}

/**
 * @param {{ title: string, children?: any }} props
 */
export function Empty({ title, children }) {
  return html`<div class="state state-empty">
    <p class="state-title">${title}</p>
    ${children}
  </div>`;
}

/**
 * An answer that was not the data: what the service said, and a way to try again where that
 * can help (no answer, or the service failing; not a request it refused).
 * @param {{ error: Error & { code?: string, status?: number }, retry?: () => void }} props
 */
export function ErrorState({ error, retry }) {
  const status = error.status ?? 0;
  const title =
    status === 0
      ? 'The service did not answer'
      : status >= 500
        ? 'The service could not answer'
        : status === 404
          ? 'Not found'
          : 'The service refused this request';
  const again = retry !== undefined && (status === 0 || status >= 500);
  return html`<div class="state state-error" role="alert">
    <p class="state-title">${title}</p>
    <p class="state-detail">
      ${error.code === undefined ? null : html`<code>${error.code}</code> `}${error.message}
    </p>
    ${again ? html`<button type="button" class="button" onClick=${retry}>Try again</button>` : null}
  </div>`;
}
