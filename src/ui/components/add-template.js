import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatRoute } from '../lib/route.js';
import { useChange } from '../lib/use-change.js';
import { ActorField } from './actor-field.js';
import { Link } from './link.js';
import { SaveStatus } from './save-status.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 */

/** The API's bound for a name; a template is bounded by its tokens, which the service checks. */
const NAME_MAX = 200;

/**
 * Adds a template by hand (POST /templates), before any line of it arrives: its text with `<*>`
 * for each variable, and a name. Opens the new template; when the org has that text already,
 * links to it.
 * @param {{ route: Route, navigate: (change: Partial<Route>) => void, onClose: () => void }} props
 */
export function AddTemplate({ route, navigate, onClose }) {
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const change = useChange();
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    if (text.trim() === '' || change.saving) return;
    const body = name.trim() === '' ? { template: text } : { template: text, name };
    const made = /** @type {{ id: number } | undefined} */ (
      await change.send('POST', '/templates', { org: route.org }, body)
    );
    if (made !== undefined) navigate({ view: 'template', template: made.id });
  };
  const existing = change.error?.code === 'TEMPLATE_EXISTS' ? change.error.details['template_id'] : undefined;
  /** @param {(v: string) => void} set */
  const onInput = (set) => (/** @type {InputEvent} */ e) => {
    set(/** @type {HTMLInputElement} */ (e.currentTarget).value);
    if (change.error !== null) change.reset();
  };
  return html`<form
    class="card add-template"
    onSubmit=${submit}
    aria-labelledby="add-template-title"
    onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    }}
  >
    <h2 class="card-title" id="add-template-title">
      Add a template <span class="muted">it matches ${route.org}’s lines from the next one on</span>
    </h2>
    <div class="add-template-fields">
      <label class="field add-template-text">
        <span class="field-label">Template <span class="muted">(<code>${'<*>'}</code> for each variable)</span></span>
        <input
          id="seed-template"
          class="input mono"
          value=${text}
          placeholder="Payment <*> declined for card <*>"
          autocomplete="off"
          spellcheck=${false}
          required
          autofocus
          onInput=${onInput(setText)}
        />
      </label>
      <label class="field">
        <span class="field-label">Name <span class="muted">(optional)</span></span>
        <input
          id="seed-name"
          class="input"
          value=${name}
          maxlength=${NAME_MAX}
          placeholder="Declined payments"
          autocomplete="off"
          onInput=${onInput(setName)}
        />
      </label>
      <${ActorField} />
    </div>
    <p class="form-help muted">
      Constant words pin the lines down: a template of only <code>${'<*>'}</code> and punctuation is refused.
    </p>
    <div class="form-actions">
      <button type="submit" class="button primary" disabled=${text.trim() === '' || change.saving}>
        Add template
      </button>
      <button type="button" class="button" onClick=${onClose}>Cancel</button>
      <${SaveStatus} change=${change}
        >${
          typeof existing === 'number'
            ? html` <${Link}
                class="existing-template"
                href=${formatRoute({ ...route, view: 'template', template: existing, q: '', sort: '' })}
                onNavigate=${() => navigate({ view: 'template', template: existing })}
                >Open the existing template</${Link}
              >`
            : null
        }</${SaveStatus}
      >
    </div>
  </form>`;
}
