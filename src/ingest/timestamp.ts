// ISO 8601 date-time: date, 'T' or space, hh:mm[:ss[.fraction]], optional Z or ±hh[:]mm.
// A time without an offset is read as UTC, whatever the machine's time zone.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** The latest instant ClickHouse DateTime64 stores (2299-12-31T23:59:59.999Z). */
export const MAX_TIMESTAMP_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

/**
 * Whether a time is in the range logs are accepted in (1970 to 2299): outside it, a timestamp
 * or a query's bound is refused, never moved into the range.
 */
export function inStoredRange(ms: number): boolean {
  return Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_TIMESTAMP_MS;
}

/** Epoch milliseconds of an ISO 8601 string, or undefined when it is not a valid date-time. */
export function parseIsoTimestamp(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = frac === '' ? 0 : Math.floor(Number(frac.padEnd(3, '0').slice(0, 3)));
  let ms: number;
  if (year >= 100) {
    ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  } else {
    // Date.UTC reads years 0-99 as 1900-1999 ("0075" would become 1975): the date is set
    // field by field, the year as written. Only here: it is twice the work, on every log.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, millis);
    ms = date.getTime();
  }
  // 2025-02-30 rolls over into March; a real calendar date round-trips.
  if (new Date(ms).getUTCDate() !== day) return undefined;
  if (offset !== undefined && offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offHours = Number(digits.slice(0, 2));
    const offMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offHours > 23 || offMinutes > 59) return undefined;
    ms -= sign * (offHours * 60 + offMinutes) * 60_000;
  }
  return ms;
}
