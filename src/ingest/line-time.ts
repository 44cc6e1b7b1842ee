/**
 * The timestamp at one place in a line's header, in the layouts loggers write most: ISO 8601
 * (`T` or a space, with or without a fraction and a zone: log4j's `2015-07-29 17:41:44,747`),
 * `yy/MM/dd HH:mm:ss` and nginx's `yyyy/MM/dd`, syslog's `Dec 10 06:55:46` and logcat's
 * `03-17 16:13:38.811` (no year), ctime's `Sun Dec 04 04:47:44 2005`, the common log format's
 * `10/Oct/2000:13:55:36 -0700`, `20171223-22:15:29:606`, `081109 203615`, and epoch seconds or
 * milliseconds as the line's first token. Read with character codes, not regular expressions:
 * this runs per log on the ingest path, and a line without a header must cost next to nothing.
 * A time without a zone is UTC, as the service reads any time without an offset.
 */

const DAY_MS = 86_400_000;
/** 2001-09-09, the first 10-digit epoch second: shorter numbers are counts, not times. */
const EARLIEST_EPOCH_MS = 1_000_000_000_000;

/** Where the last time read by timeAt ended (a module variable: no object per call). */
export let timeEnd = 0;

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
}

/** `n` digits at `i` as a number, -1 if any is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Whether a time may end at `i`: the line ends, or a space, tab, `|`, `,`, `]`, `)` or `;` follows. */
export function endsToken(s: string, i: number): boolean {
  if (i >= s.length) return true;
  const c = s.charCodeAt(i);
  return c === 0x20 || c === 0x09 || c === 0x7c || c === 0x2c || c === 0x5d || c === 0x29 || c === 0x3b;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const WEEKDAYS = 'MonTueWedThuFriSatSun';

/** Index of the three-letter name at `i` in `names` (three letters each), else -1. */
function nameAt(s: string, i: number, names: string): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  for (let k = 0; k < names.length; k += 3) {
    if (a === names.charCodeAt(k) && b === names.charCodeAt(k + 1) && c === names.charCodeAt(k + 2))
      return k / 3;
  }
  return -1;
}

/** 0-11 for a month's three-letter name at `i` (as syslog and ctime write it), else -1. */
const monthAt = (s: string, i: number): number => nameAt(s, i, MONTHS);
const weekdayAt = (s: string, i: number): boolean => nameAt(s, i, WEEKDAYS) >= 0;

/** Whether a month's or a weekday's name and a space start at `i`: how syslog and ctime times begin. */
export function dateNameAt(s: string, i: number): boolean {
  return s.charCodeAt(i + 3) === 0x20 && (monthAt(s, i) >= 0 || weekdayAt(s, i));
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(y: number, mo: number): number {
  if (mo !== 2) return DAYS_IN_MONTH[mo - 1]!;
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
}

/** Epoch ms of a calendar date and time, undefined when the date does not exist (30 Feb). */
function utc(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  sec: number,
  ms: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 60) return undefined;
  // A leap second is read as the second before it, as the syslog parser does.
  return daysSinceEpoch(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + Math.min(sec, 59) * 1000 + ms;
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil): arithmetic, where Date.UTC, a call into the runtime, was the largest cost of
 * reading a header.
 */
function daysSinceEpoch(y: number, mo: number, d: number): number {
  const year = mo <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The year of the last arrival asked about: one Date per distinct arrival, not per line. */
let yearOfNow = 0;
let yearNow = Number.NaN;

/**
 * A date written without its year (syslog, logcat) is in the year it arrived, or the one before
 * when that would put it more than a day ahead: a December line read in January. The day of
 * slack keeps a sender whose clock is a little ahead in the right year.
 */
function yearless(
  mo: number,
  d: number,
  h: number,
  mi: number,
  sec: number,
  ms: number,
  now: number,
): number | undefined {
  if (now !== yearNow) {
    yearNow = now;
    yearOfNow = new Date(now).getUTCFullYear();
  }
  const year = yearOfNow;
  const t = utc(year, mo, d, h, mi, sec, ms);
  if (t !== undefined && t <= now + DAY_MS) return t;
  // 29 Feb of a leap year read in the year after, or a date a day ahead: last year's.
  return utc(year - 1, mo, d, h, mi, sec, ms);
}

/** What the last clock read: its hour, minute, second and millisecond (no object per call). */
let clockH = 0;
let clockM = 0;
let clockS = 0;
let clockMs = 0;

/** `HH:MM[:SS]` at `i` with `sep` between the parts, then a fraction after `.`, `,` or `:`. */
function clock(s: string, i: number, sep: number): number {
  const h = digits(s, i, 2);
  if (h < 0 || s.charCodeAt(i + 2) !== sep) return -1;
  const mi = digits(s, i + 3, 2);
  if (mi < 0) return -1;
  let sec = 0;
  let at = i + 5;
  if (s.charCodeAt(at) === sep) {
    sec = digits(s, at + 1, 2);
    if (sec < 0) return -1;
    at += 3;
  }
  clockH = h;
  clockM = mi;
  clockS = sec;
  clockMs = 0;
  const c = s.charCodeAt(at);
  // A fraction: `.747`, log4j's `,747`, HealthApp's `:606`; its first three digits are kept.
  if ((c === 0x2e || c === 0x2c || c === 0x3a) && digit(s, at + 1) >= 0) {
    let k = at + 1;
    for (; digit(s, k) >= 0; k++) {
      if (k - at > 9) return -1;
      if (k - at <= 3) clockMs = clockMs * 10 + digit(s, k);
    }
    for (let n = k - at - 1; n < 3; n++) clockMs *= 10;
    at = k;
  }
  return at;
}

/** Where the last zone read ended. */
let zoneEnd = 0;

/** `Z`, `±HH`, `±HHMM` or `±HH:MM` glued to a time at `i`: minutes east of UTC, or NaN for none. */
function zone(s: string, i: number): number {
  const c = s.charCodeAt(i);
  zoneEnd = i;
  if (c === 0x5a || c === 0x7a) {
    zoneEnd = i + 1;
    return 0;
  }
  if (c !== 0x2b && c !== 0x2d) return Number.NaN;
  const h = digits(s, i + 1, 2);
  if (h < 0 || h > 23) return Number.NaN;
  let m = 0;
  let end = i + 3;
  if (s.charCodeAt(end) === 0x3a) end++;
  const mm = digits(s, end, 2);
  if (mm >= 0) {
    if (mm > 59) return Number.NaN;
    m = mm;
    end += 2;
  } else if (end !== i + 3) return Number.NaN;
  zoneEnd = end;
  return (c === 0x2d ? -1 : 1) * (h * 60 + m);
}

/** `yyyy-MM-dd` then `T`, a space or `-` and a clock (`.` between its parts after `-`). */
function isoAt(s: string, i: number): number | undefined {
  const y = digits(s, i, 4);
  const mo = digits(s, i + 5, 2);
  const d = digits(s, i + 8, 2);
  if (y < 0 || mo < 0 || d < 0 || s.charCodeAt(i + 7) !== 0x2d) return undefined;
  const sep = s.charCodeAt(i + 10);
  let end: number;
  if (sep === 0x54 || sep === 0x74 || sep === 0x20) end = clock(s, i + 11, 0x3a);
  // BGL's 2005-06-03-15.42.50.675872.
  else if (sep === 0x2d) end = clock(s, i + 11, 0x2e);
  else return undefined;
  if (end < 0) return undefined;
  const t = utc(y, mo, d, clockH, clockM, clockS, clockMs);
  if (t === undefined) return undefined;
  const offset = zone(s, end);
  if (!endsToken(s, zoneEnd)) return undefined;
  timeEnd = zoneEnd;
  return Number.isNaN(offset) ? t : t - offset * 60_000;
}

/** `yy/MM/dd HH:mm:ss` (Spark) or `yyyy/MM/dd HH:mm:ss` (nginx). */
function slashedAt(s: string, i: number, yearDigits: 2 | 4): number | undefined {
  const y = digits(s, i, yearDigits);
  const at = i + yearDigits;
  const mo = digits(s, at + 1, 2);
  const d = digits(s, at + 4, 2);
  if (mo < 0 || d < 0 || s.charCodeAt(at + 3) !== 0x2f || s.charCodeAt(at + 6) !== 0x20) return undefined;
  const end = clock(s, at + 7, 0x3a);
  if (end < 0 || !endsToken(s, end)) return undefined;
  timeEnd = end;
  return utc(yearDigits === 2 ? 2000 + y : y, mo, d, clockH, clockM, clockS, clockMs);
}

/** logcat's `MM-dd HH:mm:ss.SSS`. */
function monthDayAt(s: string, i: number, now: number): number | undefined {
  const mo = digits(s, i, 2);
  const d = digits(s, i + 3, 2);
  if (mo < 0 || d < 0 || s.charCodeAt(i + 5) !== 0x20) return undefined;
  const end = clock(s, i + 6, 0x3a);
  if (end < 0 || !endsToken(s, end)) return undefined;
  timeEnd = end;
  return yearless(mo, d, clockH, clockM, clockS, clockMs, now);
}

/** `yyyyMMdd-HH:mm:ss:SSS` (HealthApp), or `yyMMdd HHmmss` (HDFS). */
function compactAt(s: string, i: number): number | undefined {
  if (s.charCodeAt(i + 8) === 0x2d) {
    const y = digits(s, i, 4);
    const mo = digits(s, i + 4, 2);
    const d = digits(s, i + 6, 2);
    if (y < 0 || mo < 0 || d < 0) return undefined;
    const end = clock(s, i + 9, 0x3a);
    if (end < 0 || !endsToken(s, end)) return undefined;
    timeEnd = end;
    return utc(y, mo, d, clockH, clockM, clockS, clockMs);
  }
  if (s.charCodeAt(i + 6) !== 0x20 || !endsToken(s, i + 13)) return undefined;
  const y = digits(s, i, 2);
  const mo = digits(s, i + 2, 2);
  const d = digits(s, i + 4, 2);
  const h = digits(s, i + 7, 2);
  const mi = digits(s, i + 9, 2);
  const sec = digits(s, i + 11, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  timeEnd = i + 13;
  return utc(2000 + y, mo, d, h, mi, sec, 0);
}

/** `Mmm d HH:mm:ss` (syslog: the day padded with a space or not, then a fraction perhaps). */
function syslogAt(s: string, i: number, now: number): number | undefined {
  const mo = monthAt(s, i);
  if (mo < 0 || s.charCodeAt(i + 3) !== 0x20) return undefined;
  const end = dayClockAt(s, i + 4);
  if (end < 0 || !endsToken(s, end)) return undefined;
  timeEnd = end;
  return yearless(mo + 1, clockDay, clockH, clockM, clockS, clockMs, now);
}

/** ctime's `Www Mmm dd HH:mm:ss yyyy` (Apache's error log, inside brackets). */
function ctimeAt(s: string, i: number): number | undefined {
  if (!weekdayAt(s, i) || s.charCodeAt(i + 3) !== 0x20) return undefined;
  const mo = monthAt(s, i + 4);
  if (mo < 0 || s.charCodeAt(i + 7) !== 0x20) return undefined;
  const end = dayClockAt(s, i + 8);
  if (end < 0 || s.charCodeAt(end) !== 0x20) return undefined;
  const y = digits(s, end + 1, 4);
  if (y < 0 || !endsToken(s, end + 5)) return undefined;
  timeEnd = end + 5;
  return utc(y, mo + 1, clockDay, clockH, clockM, clockS, clockMs);
}

/** The day of the month that dayClockAt read. */
let clockDay = 0;

/**
 * syslog's and ctime's `d HH:mm:ss` after the month: the day padded with a space or not, one or
 * two digits, a space, then the clock. The clock's end, or -1; the day in clockDay.
 */
function dayClockAt(s: string, at: number): number {
  if (s.charCodeAt(at) === 0x20) at++;
  let d = digit(s, at);
  if (d < 0) return -1;
  at++;
  if (digit(s, at) >= 0) d = d * 10 + digit(s, at++);
  if (s.charCodeAt(at) !== 0x20) return -1;
  clockDay = d;
  return clock(s, at + 1, 0x3a);
}

/** The common log format's `dd/Mmm/yyyy:HH:mm:ss ±zzzz` (Apache's and nginx's access logs). */
function clfAt(s: string, i: number): number | undefined {
  const d = digits(s, i, 2);
  const mo = monthAt(s, i + 3);
  const y = digits(s, i + 7, 4);
  if (d < 0 || mo < 0 || y < 0 || s.charCodeAt(i + 6) !== 0x2f || s.charCodeAt(i + 11) !== 0x3a) {
    return undefined;
  }
  const end = clock(s, i + 12, 0x3a);
  if (end < 0) return undefined;
  const t = utc(y, mo + 1, d, clockH, clockM, clockS, clockMs);
  if (t === undefined) return undefined;
  let offset = Number.NaN;
  zoneEnd = end;
  if (s.charCodeAt(end) === 0x20) offset = zone(s, end + 1);
  if (Number.isNaN(offset)) zoneEnd = end;
  if (!endsToken(s, zoneEnd)) return undefined;
  timeEnd = zoneEnd;
  return Number.isNaN(offset) ? t : t - offset * 60_000;
}

/**
 * Epoch seconds (10 digits, perhaps a fraction) or milliseconds (13 digits) as a whole token,
 * from 2001 to a day after arrival: a count or an id has other lengths or is followed by words,
 * so the caller takes it only as a line's first token followed by more of a header.
 */
export function epochAt(s: string, i: number, now: number): number | undefined {
  let k = i;
  // Past 13 digits it is no epoch time: stop reading there.
  while (k - i <= 13 && digit(s, k) >= 0) k++;
  const n = k - i;
  if (n !== 10 && n !== 13) return undefined;
  let ms = 0;
  for (let j = i; j < k; j++) ms = ms * 10 + digit(s, j);
  if (n === 10) {
    ms *= 1000;
    if (s.charCodeAt(k) === 0x2e && digit(s, k + 1) >= 0) {
      let frac = 0;
      let places = 0;
      for (k++; places < 9 && digit(s, k) >= 0; k++) if (places++ < 3) frac = frac * 10 + digit(s, k);
      while (places++ < 3) frac *= 10;
      ms += frac;
    }
  }
  if (!endsToken(s, k) || ms < EARLIEST_EPOCH_MS || ms > now + DAY_MS) return undefined;
  timeEnd = k;
  return ms;
}

/**
 * Epoch ms of a timestamp starting at `i`, and its end in `timeEnd`; undefined when none starts
 * there. An epoch number is not read here (see epochAt).
 */
export function timeAt(s: string, i: number, now: number): number | undefined {
  const c = s.charCodeAt(i);
  if (c >= 0x30 && c <= 0x39) {
    if (digit(s, i + 1) < 0) return undefined;
    const third = s.charCodeAt(i + 2);
    if (third === 0x2f) return slashedAt(s, i, 2) ?? clfAt(s, i);
    if (third === 0x2d) return monthDayAt(s, i, now);
    const fifth = s.charCodeAt(i + 4);
    if (fifth === 0x2d) return isoAt(s, i);
    if (fifth === 0x2f) return slashedAt(s, i, 4);
    if (digit(s, i + 5) >= 0 && (s.charCodeAt(i + 6) === 0x20 || s.charCodeAt(i + 8) === 0x2d)) {
      return compactAt(s, i);
    }
    return undefined;
  }
  // [Sun Dec 04 04:47:44 2005], [10/Oct/2000:13:55:36 -0700], [2017-11-09T02:12:24Z INFO ...]
  if (c === 0x5b) {
    const inner = s.charCodeAt(i + 1);
    if (inner >= 0x41 && inner <= 0x5a) return ctimeAt(s, i + 1);
    return inner >= 0x30 && inner <= 0x39 ? timeAt(s, i + 1, now) : undefined;
  }
  if (c >= 0x41 && c <= 0x5a) return syslogAt(s, i, now) ?? ctimeAt(s, i);
  return undefined;
}
