import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';

/**
 * Asks for an API key when the service refused the page's request: none was given (401), the
 * one given is unknown (401), or it may not read this org (403). The key goes to
 * sessionStorage only (gone when the tab closes), never into the URL.
 * @param {{ problem: Error & { status?: number }, hadKey: boolean, org: string, onKey: (key: string) => void, onForget: () => void }} props
 */
export function KeyPanel({ problem, hadKey, org, onKey, onForget }) {
  const [value, setValue] = useState('');
  const forbidden = problem.status === 403;
  const title = forbidden
    ? `This key cannot read ${org === '' ? 'this' : `org “${org}”`}`
    : hadKey
      ? 'The service did not accept this key'
      : 'This service needs an API key';
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    const key = value.trim();
    if (key !== '') onKey(key);
  };
  return html`<section class="panel key-panel" aria-labelledby="key-title">
    <h2 id="key-title">${title}</h2>
    <p class="key-detail" role="alert">${problem.message}</p>
    <p class="muted">
      ${
        forbidden
          ? 'Use a key with the read scope that holds this org, or choose another org above.'
          : 'Paste a key with the read scope. It is kept for this tab only and sent as a bearer token.'
      }
    </p>
    <form class="key-form" onSubmit=${submit}>
      <label class="field">
        <span class="field-label">API key</span>
        <input
          id="api-key"
          class="input mono"
          type="password"
          autocomplete="off"
          spellcheck=${false}
          value=${value}
          onInput=${(/** @type {InputEvent} */ e) => setValue(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
          autofocus
        />
      </label>
      <button type="submit" class="button primary">Use key</button>
      ${hadKey ? html`<button type="button" class="button" onClick=${onForget}>Forget key</button>` : null}
    </form>
  </section>`;
}
