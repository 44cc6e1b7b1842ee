import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { RANGES, fromLocalInput, toLocalInput } from '../lib/time.js';

/**
 * @typedef {import('../lib/route.js').Route} Route
 * @typedef {import('../lib/time.js').Window} Window
 */

/**
 * The time range: presets that end now, or a custom window (its end may be left empty: now).
 * @param {{ route: Route, window: Window, navigate: (change: Partial<Route>) => void }} props
 */
export function RangePicker({ route, window, navigate }) {
  const [editing, setEditing] = useState(false);
  const custom = route.range === 'custom';
  return html`<div class="range-picker">
    <div class="segmented" role="group" aria-label="Time range">
      ${RANGES.map(
        (r) =>
          html`<button
            type="button"
            class="segment"
            aria-pressed=${route.range === r.id}
            title=${r.label}
            onClick=${() => {
              setEditing(false);
              navigate({ range: r.id, from: '', to: '' });
            }}
          >
            ${r.short}
          </button>`,
      )}
      <button
        type="button"
        class="segment"
        aria-pressed=${custom}
        aria-expanded=${editing}
        onClick=${() => setEditing(!editing)}
      >
        Custom
      </button>
    </div>
    ${
      editing
        ? html`<${CustomRange}
            window=${window}
            openEnded=${custom ? route.to === '' : false}
            onApply=${(/** @type {{ from: string, to: string }} */ w) => {
              setEditing(false);
              navigate({ range: 'custom', ...w });
            }}
            onClose=${() => setEditing(false)}
          />`
        : null
    }
  </div>`;
}

/**
 * @param {{ window: Window, openEnded: boolean, onApply: (w: { from: string, to: string }) => void, onClose: () => void }} props
 */
function CustomRange({ window, openEnded, onApply, onClose }) {
  const [from, setFrom] = useState(toLocalInput(window.from));
  const [to, setTo] = useState(openEnded ? '' : toLocalInput(window.to));
  const fromMs = fromLocalInput(from);
  const toMs = to === '' ? Date.now() : fromLocalInput(to);
  const problem = !Number.isFinite(fromMs)
    ? 'Choose a start'
    : !Number.isFinite(toMs)
      ? 'The end is not a time'
      : fromMs > toMs
        ? 'The start is after the end'
        : null;
  /** @param {SubmitEvent} event */
  const submit = (event) => {
    event.preventDefault();
    if (problem !== null) return;
    onApply({ from: new Date(fromMs).toISOString(), to: to === '' ? '' : new Date(toMs).toISOString() });
  };
  /** @param {(v: string) => void} set */
  const onInput = (set) => (/** @type {InputEvent} */ e) =>
    set(/** @type {HTMLInputElement} */ (e.currentTarget).value);
  // Esc closes it (before the page's own Esc, which would leave the template).
  return html`<form
    class="custom-range popover"
    onSubmit=${submit}
    onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    }}
  >
    <label class="field">
      <span class="field-label">From</span>
      <input class="input" type="datetime-local" value=${from} onInput=${onInput(setFrom)} required />
    </label>
    <label class="field">
      <span class="field-label">To <span class="muted">(empty: now)</span></span>
      <input class="input" type="datetime-local" value=${to} onInput=${onInput(setTo)} />
    </label>
    <div class="custom-range-actions">
      ${problem === null ? null : html`<span class="field-error" role="alert">${problem}</span>`}
      <button type="submit" class="button primary" disabled=${problem !== null}>Apply</button>
    </div>
  </form>`;
}
