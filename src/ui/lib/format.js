/** Numbers as people read them: grouped digits, compact where space is short. */

const whole = new Intl.NumberFormat('en');
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

/** @param {number} n e.g. 12345 → "12,345" */
export function formatCount(n) {
  return whole.format(n);
}

/** @param {number} n e.g. 12345 → "12.3K" */
export function formatCompact(n) {
  return compact.format(n);
}

/** @param {number} share 0..1 → "12.5%"; under 0.1% → "<0.1%" */
export function formatShare(share) {
  if (share > 0 && share < 0.001) return '<0.1%';
  return percent.format(share);
}

/**
 * A change of rate (target over baseline): "×2.4" up, "×0.31" down.
 * @param {number} ratio
 */
export function formatRatio(ratio) {
  if (ratio >= 10) return `×${Math.round(ratio)}`;
  if (ratio >= 1) return `×${ratio.toFixed(1)}`;
  return `×${ratio.toPrecision(2)}`;
}
