import { html } from '../lib/html.js';
import { formatCount, formatShare } from '../lib/format.js';

/** Worst first, so the bar reads left to right from what needs attention. */
const ORDER = [
  'FATAL',
  'CRITICAL',
  'EMERGENCY',
  'ALERT',
  'ERROR',
  'WARN',
  'WARNING',
  'NOTICE',
  'INFO',
  'DEBUG',
  'TRACE',
];

/** @param {string} level the CSS class of its colour */
export function levelClass(level) {
  const l = level.toUpperCase();
  if (['FATAL', 'CRITICAL', 'EMERGENCY', 'ALERT', 'ERROR'].includes(l)) return 'lvl-error';
  if (l === 'WARN' || l === 'WARNING') return 'lvl-warn';
  if (l === 'DEBUG' || l === 'TRACE') return 'lvl-debug';
  return 'lvl-info';
}

/** @param {Record<string, number>} levels */
function ordered(levels) {
  return Object.entries(levels)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/** @param {string} level */
function rank(level) {
  const i = ORDER.indexOf(level.toUpperCase());
  return i < 0 ? ORDER.length : i;
}

/**
 * The level mix as a thin stacked bar, its numbers in the title.
 * @param {{ levels: Record<string, number> | undefined }} props
 */
export function LevelBar({ levels }) {
  if (levels === undefined) return null;
  const entries = ordered(levels);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const title = entries.map(([l, n]) => `${l} ${formatCount(n)} (${formatShare(n / total)})`).join(', ');
  return html`<span class="level-bar" title=${title} role="img" aria-label=${title}>
    ${entries.map(
      ([level, n]) => html`<span class=${`level-seg ${levelClass(level)}`} style=${{ flexGrow: n }}></span>`,
    )}
  </span>`;
}

/**
 * The level mix as labelled counts.
 * @param {{ levels: Record<string, number> }} props
 */
export function LevelList({ levels }) {
  return html`<span class="level-list">
    ${ordered(levels).map(
      ([level, n]) =>
        html`<span class="level-item"
          ><span class=${`level-dot ${levelClass(level)}`}></span>${level}
          <span class="num">${formatCount(n)}</span></span
        >`,
    )}
  </span>`;
}

/** @param {{ level: string }} props */
export function LevelBadge({ level }) {
  return html`<span class=${`level-badge ${levelClass(level)}`}>${level}</span>`;
}
