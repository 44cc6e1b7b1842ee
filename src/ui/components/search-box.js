import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';

/**
 * The search field of a table (`/` focuses it, Esc clears it). What is typed goes to the URL
 * a moment after typing stops, so history is not written per key.
 * @param {{ value: string, placeholder: string, onChange: (value: string) => void }} props
 */
export function SearchBox({ value, placeholder, onChange }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => onChange(text), 150);
    return () => clearTimeout(timer);
  }, [text]);
  return html`<label class="search">
    <span class="visually-hidden">${placeholder}</span>
    <input
      id="search"
      class="input search-input"
      type="search"
      placeholder=${`${placeholder}  /`}
      value=${text}
      autocomplete="off"
      spellcheck=${false}
      onInput=${(/** @type {InputEvent} */ e) => setText(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
      onKeyDown=${(/** @type {KeyboardEvent} */ e) => {
        if (e.key === 'Escape') {
          setText('');
          onChange('');
          /** @type {HTMLInputElement} */ (e.currentTarget).blur();
        }
      }}
    />
  </label>`;
}
