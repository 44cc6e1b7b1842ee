import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { useChange } from '../lib/use-change.js';
import { SaveStatus } from './save-status.js';

/**
 * @typedef {import('../lib/curation.js').Curation} Curation
 */

/** The API's bounds (README "Curation"), so the fields stop where the service would refuse. */
const NAME_MAX = 200;
const NOTE_MAX = 4000;

/**
 * A template's name and note, saved together with one PATCH of the fields that changed.
 * @param {{ org: string, id: number, curation: Curation | undefined, onSaved: () => void }} props
 */
export function NameForm({ org, id, curation, onSaved }) {
  const savedName = curation?.name ?? '';
  const savedNote = curation?.note ?? '';
  const [name, setName] = useState(savedName);
  const [note, setNote] = useState(savedNote);
  const change = useChange();
  // What the service holds now (after a save, or another person's change on reload).
  useEffect(() => {
    setName(savedName);
    setNote(savedNote);
  }, [id, savedName, savedNote]);
  /** @type {{ name?: string, note?: string }} */
  const body = {};
  if (name.trim() !== savedName) body.name = name;
  if (note.trim() !== savedNote) body.note = note;
  const dirty = Object.keys(body).length > 0;
  /** @param {SubmitEvent} event */
  const submit = async (event) => {
    event.preventDefault();
    if (!dirty || change.saving) return;
    if ((await change.send('PATCH', `/templates/${id}`, { org }, body)) !== undefined) onSaved();
  };
  /** @param {(v: string) => void} set */
  const onInput = (set) => (/** @type {InputEvent} */ e) => {
    set(/** @type {HTMLInputElement | HTMLTextAreaElement} */ (e.currentTarget).value);
    if (change.saved || change.error !== null) change.reset();
  };
  return html`<form class="curate-form" onSubmit=${submit} aria-label="Name and note">
    <label class="field">
      <span class="field-label">Name</span>
      <input
        id="template-name"
        class="input"
        value=${name}
        maxlength=${NAME_MAX}
        placeholder="What these lines are, in a few words"
        autocomplete="off"
        onInput=${onInput(setName)}
      />
    </label>
    <label class="field">
      <span class="field-label">Note</span>
      <textarea
        id="template-note"
        class="input textarea"
        rows="3"
        maxlength=${NOTE_MAX}
        placeholder="Why it matters, who owns it, what to do when it spikes"
        value=${note}
        onInput=${onInput(setNote)}
      ></textarea>
    </label>
    <div class="form-actions">
      <button type="submit" class="button primary" disabled=${!dirty || change.saving}>
        Save name and note
      </button>
      <${SaveStatus} change=${change} />
    </div>
  </form>`;
}
