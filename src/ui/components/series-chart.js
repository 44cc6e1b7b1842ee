import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { formatCompact, formatCount } from '../lib/format.js';
import { formatExact, timeTicks } from '../lib/time.js';

/**
 * A template's count per step as bars, with the time under the pointer and its count read out
 * (and the same for the keyboard: focus the chart, then ← and →). Our own SVG: bars, a few
 * ticks and one readout do not need a chart library's weight.
 * @param {{ series: ReadonlyArray<{ time: string, count: number }>, stepMs: number }} props
 */
export function SeriesChart({ series, stepMs }) {
  const [hover, setHover] = useState(/** @type {number | null} */ (null));
  // Drawn at the width it is shown at, so text and bars are not stretched.
  const figure = useRef(/** @type {HTMLElement | null} */ (null));
  const [width, setWidth] = useState(960);
  useEffect(() => {
    const element = figure.current;
    if (element === null) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(Math.max(320, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const height = 180;
  const left = 44;
  const bottom = 22;
  const plotW = width - left;
  const plotH = height - bottom - 8;
  const n = series.length;
  const max = Math.max(1, ...series.map((p) => p.count));
  const top = niceCeiling(max);
  const barW = plotW / Math.max(1, n);
  const gap = barW > 4 ? 1 : 0;
  const start = n > 0 ? Date.parse(series[0]?.time ?? '') : 0;
  const x = (/** @type {number} */ t) => left + ((t - start) / stepMs) * barW;
  // Labels no closer than ~110 px, none cut by the right edge.
  const ticks = timeTicks(
    { from: start, to: start + n * stepMs },
    Math.max(2, Math.floor(plotW / 110)),
  ).filter((tick) => x(tick.time) < width - 60);
  const total = series.reduce((sum, p) => sum + p.count, 0);
  const shown = hover === null ? null : series[hover];

  /** @param {PointerEvent} event */
  const onMove = (event) => {
    const svg = /** @type {SVGSVGElement} */ (event.currentTarget);
    const box = svg.getBoundingClientRect();
    const at = ((event.clientX - box.left) / box.width) * width - left;
    setHover(at < 0 ? null : Math.min(n - 1, Math.max(0, Math.floor(at / barW))));
  };
  /** @param {KeyboardEvent} event */
  const onKey = (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const from = hover ?? (event.key === 'ArrowLeft' ? n : -1);
    setHover(Math.min(n - 1, Math.max(0, from + (event.key === 'ArrowLeft' ? -1 : 1))));
  };

  return html`<figure class="chart" ref=${figure}>
    <figcaption class="chart-readout" aria-live="polite">
      ${
        shown === undefined || shown === null
          ? html`<span class="muted">${formatCount(total)} logs · ${n} steps</span>`
          : html`<span class="num strong">${formatCount(shown.count)}</span>
              <span class="muted">from ${formatExact(shown.time)}</span>`
      }
    </figcaption>
    <svg
      class="chart-svg"
      viewBox="0 0 ${width} ${height}"
      width=${width}
      height=${height}
      tabindex="0"
      role="img"
      aria-label=${`count per ${Math.round(stepMs / 1000)} s, peak ${formatCount(max)}`}
      onPointerMove=${onMove}
      onPointerLeave=${() => setHover(null)}
      onKeyDown=${onKey}
      onBlur=${() => setHover(null)}
    >
      ${[0, 0.5, 1].map(
        (f) =>
          html`<line
              class="chart-grid"
              x1=${left}
              x2=${width}
              y1=${8 + plotH * (1 - f)}
              y2=${8 + plotH * (1 - f)}
            />
            <text class="chart-label" x=${left - 6} y=${8 + plotH * (1 - f) + 4} text-anchor="end">
              ${formatCompact(top * f)}
            </text>`,
      )}
      ${series.map((p, i) => {
        const h = (p.count / top) * plotH;
        return html`<rect
          class=${i === hover ? 'chart-bar active' : 'chart-bar'}
          x=${left + i * barW + gap / 2}
          y=${8 + plotH - h}
          width=${Math.max(0.5, barW - gap)}
          height=${Math.max(p.count > 0 ? 1 : 0, h)}
        />`;
      })}
      ${ticks.map(
        (tick) =>
          html`<line
              class="chart-tick"
              x1=${x(tick.time)}
              x2=${x(tick.time)}
              y1=${8 + plotH}
              y2=${8 + plotH + 4}
            />
            <text class="chart-label" x=${x(tick.time)} y=${height - 4} text-anchor="middle"
              >${tick.label}</text
            >`,
      )}
    </svg>
  </figure>`;
}

/** @param {number} max the next round number at or above it, for the top of the axis */
function niceCeiling(max) {
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const steps = [1, 2, 2.5, 5, 10];
  return (steps.find((s) => s * magnitude >= max) ?? 10) * magnitude;
}
