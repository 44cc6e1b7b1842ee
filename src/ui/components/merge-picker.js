import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { allTemplates } from '../lib/all-templates.js';
import { mergeCandidates } from '../lib/curation.js';
import { formatCount } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';
import { useChange } from '../lib/use-change.js';
import { SaveStatus } from './save-status.js';
import { ErrorState, Loading } from './states.js';
import { TemplateText } from './template-text.js';

/**
 * @typedef {import('../lib/use-api.js').Get} Get
 * @typedef {import('../lib/curation.js').Listed} Listed
 */

/** Templates offered at once: the loudest that match what is typed; typing narrows them. */
const OFFERED = 8;

/**
 * Merge this template into another of the org: search the org's templates (all time, by text,
 * name or id), choose one, merge. The org's list is loaded only when the picker opens.
 * @param {{ org: string, id: number, onSaved: () => void }} props
 */
export function MergePicker({ org, id, onSaved }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return html`<button type="button" class="button" onClick=${() => setOpen(true)}>
      Merge into another template…
    </button>`;
  }
  return html`<${Picker} org=${org} id=${id} onSaved=${onSaved} onClose=${() => setOpen(false)} />`;
}

/**
 * @param {{ org: string, id: number, onSaved: () => void, onClose: () => void }} props
 */
function Picker({ org, id, onSaved, onClose }) {
  const list = useApi(
    (/** @type {Get} */ get) => /** @type {Promise<{ templates: Listed[] }>} */ (allTemplates(get, { org })),
    [org],
  );
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState(/** @type {Listed | null} */ (null));
  const change = useChange();
  const offered = list.data === undefined ? [] : mergeCandidates(list.data.templates, query, id, OFFERED);
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    if (chosen === null || change.saving) return;
    if ((await change.send('PATCH', `/templates/${id}`, { org }, { merged_into: chosen.id })) !== undefined) {
      onSaved();
    }
  };
  return html`<form
    class="curate-form merge-picker"
    onSubmit=${submit}
    aria-label="Merge into another template"
    onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Escape') {
        // Closes the picker, before the page's own Esc (which would leave the template).
        e.stopPropagation();
        onClose();
      }
    }}
  >
    <label class="field">
      <span class="field-label">Merge into</span>
      <input
        id="merge-search"
        class="input"
        type="search"
        value=${query}
        placeholder="Search the org’s templates"
        autocomplete="off"
        spellcheck=${false}
        autofocus
        onInput=${(/** @type {InputEvent} */ e) => setQuery(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
      />
    </label>
    ${
      list.error !== undefined
        ? html`<${ErrorState} error=${list.error} retry=${list.reload} />`
        : list.data === undefined
          ? html`<${Loading} what="the org’s templates" />`
          : offered.length === 0
            ? html`<p class="muted">No other template matches.</p>`
            : html`<ul class="merge-options" role="listbox" aria-label="Templates to merge into">
                ${offered.map(
                  (t) =>
                    html`<li>
                      <button
                        type="button"
                        class="merge-option"
                        role="option"
                        aria-selected=${chosen?.id === t.id}
                        onClick=${() => {
                          setChosen(t);
                          if (change.error !== null) change.reset();
                        }}
                      >
                        ${t.curation?.name ? html`<span class="template-name">${t.curation.name}</span>` : null}
                        <${TemplateText} template=${t.template} />
                        <span class="muted num merge-count">${formatCount(t.count)}</span>
                      </button>
                    </li>`,
                )}
              </ul>`
    }
    <p class="form-help muted">
      Its lines are then counted as the chosen template’s in every list, chart and comparison. They keep their
      own id, so the merge can be undone.
    </p>
    <div class="form-actions">
      <button type="submit" class="button primary" disabled=${chosen === null || change.saving}>Merge</button>
      <button type="button" class="button" onClick=${onClose}>Cancel</button>
      <${SaveStatus} change=${change} />
    </div>
  </form>`;
}
