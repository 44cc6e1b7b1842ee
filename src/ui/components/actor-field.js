import { useContext, useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { actorProblem } from '../lib/curation.js';
import { ApiContext } from '../lib/use-api.js';

/**
 * "Your name", recorded with each change (sent as X-Actor). Kept for the tab like the key; the
 * service records it beside the key (or the address) that made the change, so it is a label
 * people give themselves, not a login.
 */
export function ActorField() {
  const access = useContext(ApiContext);
  const [text, setText] = useState(access.actor);
  useEffect(() => setText(access.actor), [access.actor]);
  const problem = actorProblem(text);
  return html`<label class="field actor-field">
    <span class="field-label"
      >Your name <span class="muted">(optional, recorded with each change)</span></span
    >
    <input
      id="actor"
      class="input"
      value=${text}
      maxlength="100"
      placeholder="e.g. Ada"
      autocomplete="name"
      onInput=${(/** @type {InputEvent} */ e) => {
        const value = /** @type {HTMLInputElement} */ (e.currentTarget).value;
        setText(value);
        // A name that cannot be sent is not sent, rather than an older one in its place.
        access.setActor(actorProblem(value) === null ? value.trim() : '');
      }}
    />
    ${problem === null ? null : html`<span class="field-error" role="alert">${problem}</span>`}
  </label>`;
}
