import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';

/**
 * No org chosen yet: ask for one. Orgs are not listed anywhere a key-less page could read,
 * so it is typed (and then kept in the URL).
 * @param {{ onOrg: (org: string) => void }} props
 */
export function StartView({ onOrg }) {
  const [org, setOrg] = useState('');
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    if (org.trim() !== '') onOrg(org.trim());
  };
  return html`<section class="panel start">
    <h1>Explore an org’s log templates</h1>
    <p class="muted">
      Which kinds of line are loud, which are new, what changed since yesterday, and the lines behind each.
    </p>
    <form class="start-form" onSubmit=${submit}>
      <label class="field">
        <span class="field-label">Org</span>
        <input
          class="input"
          value=${org}
          placeholder="acme"
          maxlength="150"
          autocomplete="off"
          spellcheck=${false}
          autofocus
          onInput=${(/** @type {InputEvent} */ e) => setOrg(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
        />
      </label>
      <button type="submit" class="button primary">Open</button>
    </form>
  </section>`;
}
