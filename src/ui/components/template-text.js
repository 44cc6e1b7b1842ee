import { html } from '../lib/html.js';
import { lineParts, templateParts } from '../lib/template-parts.js';

/** Variable positions cycle through this many colours (styles.css .var-0 … .var-5). */
const HUES = 6;

/** @param {number} position */
export function varClass(position) {
  return `var var-${position % HUES}`;
}

/**
 * A template's text with each `<*>` drawn as a chip; `numbered` labels each with its position
 * (1-based for people), matching the value lists and the highlighted lines.
 * @param {{ template: string | null, numbered?: boolean }} props
 */
export function TemplateText({ template, numbered = false }) {
  if (template === null) return html`<span class="no-template">Logs without a template</span>`;
  return html`<span class="template-text"
    >${templateParts(template).map((part) =>
      part.position === null
        ? part.text
        : html`<span class=${varClass(part.position)} title=${`variable ${part.position + 1}`}
            >${numbered ? html`<sub>${part.position + 1}</sub>` : '<*>'}</span
          >`,
    )}</span
  >`;
}

/**
 * A stored line with its variables' values highlighted in their position's colour.
 * @param {{ message: string, template: string | null, variables: readonly string[] }} props
 */
export function HighlightedLine({ message, template, variables }) {
  return html`<span class="line-text"
    >${lineParts(message, template, variables).map((part) =>
      part.position === null
        ? part.text
        : html`<mark class=${varClass(part.position)} title=${`variable ${part.position + 1}`}
            >${part.text}</mark
          >`,
    )}</span
  >`;
}
