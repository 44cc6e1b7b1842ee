/** Time windows, steps and how times are written on the page (the browser's time zone). */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The presets of the range picker: label, and the window's length. */
export const RANGES = /** @type {const} */ ([
  { id: '1h', label: 'Last hour', short: '1h', ms: HOUR },
  { id: '6h', label: 'Last 6 hours', short: '6h', ms: 6 * HOUR },
  { id: '24h', label: 'Last 24 hours', short: '24h', ms: DAY },
  { id: '7d', label: 'Last 7 days', short: '7d', ms: 7 * DAY },
  { id: '30d', label: 'Last 30 days', short: '30d', ms: 30 * DAY },
]);

export const DEFAULT_RANGE = '24h';

/** Steps a series may take: round ones, so that bars line up with the clock. */
const STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  7 * DAY,
];

/** The API takes at most this many steps in one window. */
const MAX_POINTS = 1440;

/**
 * @typedef {{ from: number, to: number }} Window epoch milliseconds, both inclusive
 * @typedef {{ range: string, from: string, to: string }} RangeChoice what the URL says
 */

/**
 * The window a range choice stands for at `now`: a preset ends now; `custom` has its own ends.
 * @param {RangeChoice} choice
 * @param {number} now
 * @returns {Window}
 */
export function resolveWindow(choice, now) {
  if (choice.range === 'custom') {
    const from = Date.parse(choice.from);
    const to = choice.to === '' ? now : Date.parse(choice.to);
    if (Number.isFinite(from) && Number.isFinite(to) && from <= to) return { from, to };
  }
  const preset = RANGES.find((r) => r.id === choice.range) ?? RANGES.find((r) => r.id === DEFAULT_RANGE);
  const ms = preset?.ms ?? DAY;
  return { from: now - ms, to: now };
}

/**
 * The smallest round step that cuts the window into at most `points` steps.
 * @param {Window} window
 * @param {number} points
 */
export function stepFor(window, points) {
  const span = window.to - window.from + 1;
  const step = STEPS.find((s) => span / s <= points) ?? Math.ceil(span / MAX_POINTS / DAY) * DAY;
  return Math.max(step, Math.ceil(span / MAX_POINTS / 1000) * 1000);
}

/** @param {number} ms a step, as the API's `step` parameter (seconds) */
export function stepParam(ms) {
  return `${Math.round(ms / 1000)}s`;
}

/** @param {number} ms e.g. 300000 → "5 min" */
export function formatDuration(ms) {
  if (ms % DAY === 0) return ms === DAY ? '1 day' : `${ms / DAY} days`;
  if (ms % HOUR === 0) return ms === HOUR ? '1 hour' : `${ms / HOUR} hours`;
  if (ms % MINUTE === 0) return `${ms / MINUTE} min`;
  return `${Math.round(ms / 1000)} s`;
}

const dateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** @param {number | string} t */
export function formatDateTime(t) {
  return dateTime.format(new Date(t));
}

/** @param {number | string} t the full time, for titles and log lines */
export function formatExact(t) {
  return dateTimeSeconds.format(new Date(t));
}

/** Distances between the labels of a time axis: round ones, so labels fall on the clock. */
const TICKS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/**
 * Times at most `count` of which fit in the window, each on a round time of the browser's
 * clock (14:00, midnight), with their labels: the date at midnight, else the time of day.
 * @param {Window} window
 * @param {number} count
 * @returns {Array<{ time: number, label: string }>}
 */
export function timeTicks(window, count) {
  const span = window.to - window.from;
  const every = TICKS.find((t) => span / t <= count) ?? Math.ceil(span / count / DAY) * DAY;
  // Minutes to add to UTC for the local clock (the zone of the window's start).
  const shift = -new Date(window.from).getTimezoneOffset() * MINUTE;
  const ticks = [];
  for (
    let local = Math.ceil((window.from + shift) / every) * every;
    local - shift <= window.to;
    local += every
  ) {
    const midnight = local % DAY === 0;
    ticks.push({
      time: local - shift,
      label: (midnight ? dayOnly : timeOnly).format(new Date(local - shift)),
    });
  }
  return ticks;
}

/**
 * "3 min ago", "2 days ago": how long before `now`.
 * @param {number | string} t
 * @param {number} now
 */
export function formatAgo(t, now) {
  const ms = now - new Date(t).getTime();
  if (ms < MINUTE) return 'just now';
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`;
  if (ms < 60 * DAY) return `${Math.floor(ms / DAY)} d ago`;
  return formatDateTime(t);
}

/**
 * A window in words: "Dec 7, 14:00 – Dec 8, 14:00".
 * @param {Window} w
 */
export function formatWindow(w) {
  return `${formatDateTime(w.from)} – ${formatDateTime(w.to)}`;
}

/**
 * The value of a datetime-local input for a time (local, to the minute), and back.
 * @param {number} t
 */
export function toLocalInput(t) {
  const d = new Date(t - new Date(t).getTimezoneOffset() * MINUTE);
  return d.toISOString().slice(0, 16);
}

/** @param {string} value a datetime-local value, read in the browser's zone */
export function fromLocalInput(value) {
  return new Date(value).getTime();
}
