import { html } from '../lib/html.js';
import { formatCount } from '../lib/format.js';

/**
 * A template's volume over the window as a small area chart. Drawn here in SVG: a few dozen
 * points need no chart library.
 * @param {{ series: ReadonlyArray<{ count: number }> | undefined, max?: number }} props
 * `max`: a shared top for the whole table, when counts should compare across rows
 */
export function Sparkline({ series, max }) {
  const width = 120;
  const height = 24;
  if (series === undefined || series.length === 0) {
    return html`<span class="sparkline-none" title="no series: not among the 500 loudest">—</span>`;
  }
  const top = Math.max(1, max ?? Math.max(...series.map((p) => p.count)));
  const dx = series.length > 1 ? width / (series.length - 1) : width;
  const y = (/** @type {number} */ count) => (height - 1 - (count / top) * (height - 2)).toFixed(1);
  const points = series.map((p, i) => `${(i * dx).toFixed(1)},${y(p.count)}`);
  const line = `M${points.join('L')}`;
  const area = `${line}L${width},${height}L0,${height}Z`;
  const peak = Math.max(...series.map((p) => p.count));
  return html`<svg
    class="sparkline"
    viewBox="0 0 ${width} ${height}"
    width=${width}
    height=${height}
    preserveAspectRatio="none"
    role="img"
    aria-label=${`peak ${formatCount(peak)} per step`}
  >
    <path class="sparkline-area" d=${area} />
    <path class="sparkline-line" d=${line} vector-effect="non-scaling-stroke" />
  </svg>`;
}
