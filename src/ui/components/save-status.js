import { html } from '../lib/html.js';

/**
 * @typedef {import('../lib/use-change.js').ChangeState} ChangeState
 */

/**
 * Where a change stands, beside its button: saving, saved, or what the service said. A key
 * that may read but not curate gets the service's words and what to do about it.
 * @param {{ change: ChangeState, children?: any }} props children: shown with an error (e.g. a link)
 */
export function SaveStatus({ change, children }) {
  if (change.saving) {
    return html`<span class="save-status muted" role="status"
      ><span class="spinner" aria-hidden="true"></span>Saving…</span
    >`;
  }
  const error = change.error;
  if (error !== null) {
    const refused = error.status === 401 || error.status === 403;
    return html`<p class="save-error" role="alert">
      <code>${error.code}</code> ${error.message}${
        refused
          ? html`<span class="save-hint">
              Changes need a key with the <code>curate</code> scope that holds this org; forget this key (top
              right) to use another.</span
            >`
          : null
      }${children}
    </p>`;
  }
  return change.saved ? html`<span class="save-status saved" role="status">✓ Saved</span>` : null;
}
