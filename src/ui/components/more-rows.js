import { html } from '../lib/html.js';
import { formatCount } from '../lib/format.js';

/**
 * Rows a table draws at most: an org may have 20,000 templates, and drawing them all would
 * hold the browser for seconds; the loudest (or first by the chosen order) are shown, and
 * search finds the rest.
 */
export const MAX_ROWS = 500;

/**
 * The last row of a table cut at MAX_ROWS, saying how many are left out.
 * @param {{ hidden: number, columns: number }} props
 */
export function MoreRows({ hidden, columns }) {
  if (hidden <= 0) return null;
  return html`<tr class="more-rows">
    <td colspan=${columns} class="muted">
      ${formatCount(hidden)} more not shown: search, sort or narrow the window to find them
    </td>
  </tr>`;
}
