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
 * An answer that was not the data: what the service said, and a way to try again.
 * @param {{ error: Error & { code?: string }, retry?: () => void }} props
 */
export function ErrorState({ error, retry }) {
  return html`<div class="state state-error" role="alert">
    <p class="state-title">Could not load this</p>
    <p class="state-detail">
      ${error.code === undefined ? null : html`<code>${error.code}</code> `}${error.message}
    </p>
    ${retry === undefined ? null : html`<button type="button" class="button" onClick=${retry}>Try again</button>`}
  </div>`;
}
