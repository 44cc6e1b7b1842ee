/**
 * The timestamp and level a line's own header gives, for a log the client sent without them
 * (`2015-10-18 18:01:47,978 INFO [main] org.example.App: ...`). Only the header counts: the
 * tokens at the head of the line that look like one (a timestamp, numbers and ids after it,
 * bracketed fields, separators such as ` - ` and `|`, a name between separators), the first
 * HEADER_TOKENS of them starting within HEADER_CHARS; the first token that is none of these ends
 * the header, so a word in the middle of a message (`no ERROR found`) is never read as a level.
 *
 * A level word (the names below, as loggers write them) counts in upper case; in lower case or
 * capitalised (`error:`, `[notice]`, `level=warn`, or right after the timestamp: Windows'
 * `04:30:30, Info`) only where it is set apart as a field, since `Error connecting` and
 * `Trace route` begin sentences. logcat's one-letter levels count only where logcat writes them:
 * `W/Tag(` or `W/Tag:` as a token, or a lone letter after a timestamp and before `Tag:`.
 *
 * logfmt's keys count too: `time=`, `ts=`, `timestamp=`, and `level=`, `lvl=`, `severity=`.
 *
 * Nothing is allocated for a line without a header: the tokens are read in place.
 */
import { dateNameAt, endsToken, epochAt, timeAt, timeEnd } from './line-time.ts';

/**
 * Which orgs' logs are read so (config.ts's lineFields): every org's but those listed, or none.
 * Undefined when none, so validation does not even ask.
 */
export function lineFieldsFor(setting: {
  readonly on: boolean;
  readonly offOrgs: readonly string[];
}): ((org: string) => boolean) | undefined {
  if (!setting.on) return undefined;
  if (setting.offOrgs.length === 0) return () => true;
  const off = new Set(setting.offOrgs);
  return (org) => !off.has(org);
}

/** How far into a line its header may reach: a token must start before this. */
export const HEADER_CHARS = 80;
/** Most header tokens looked at (a timestamp of several words counts as one). */
export const HEADER_TOKENS = 10;

export interface LineFields {
  /** Epoch ms; undefined: the line names no time (or it was not asked for). */
  readonly timestamp: number | undefined;
  /** One of the service's level names; undefined: none in the header (or not asked for). */
  readonly level: string | undefined;
}

const NOTHING: LineFields = Object.freeze({ timestamp: undefined, level: undefined });

/**
 * The words, upper case, and the level each is stored as: the service's own names (those OTLP
 * and syslog give) for the abbreviations and for java.util.logging's SEVERE (its ERROR). Two
 * arrays rather than pairs: destructuring a pair per word allocated on every line.
 */
const LEVEL_WORDS = [
  'INFO',
  'WARN',
  'WARNING',
  'ERROR',
  'ERR',
  'DEBUG',
  'TRACE',
  'FATAL',
  'CRITICAL',
  'NOTICE',
  'SEVERE',
];
/** The words' first letters, I W E D T F C N S, as bits from A. */
const LEVEL_INITIALS = [...'IWEDTFCNS'].reduce((bits, c) => bits | (1 << (c.charCodeAt(0) - 0x41)), 0);
const LEVEL_NAMES = [
  'INFO',
  'WARN',
  'WARNING',
  'ERROR',
  'ERROR',
  'DEBUG',
  'TRACE',
  'FATAL',
  'CRITICAL',
  'NOTICE',
  'ERROR',
];
/** logcat's priorities: Verbose, Debug, Info, Warn, Error, Fatal (Assert is left out: `A` is a word). */
const LOGCAT_LEVELS: Readonly<Record<string, string>> = {
  V: 'TRACE',
  D: 'DEBUG',
  I: 'INFO',
  W: 'WARN',
  E: 'ERROR',
  F: 'FATAL',
};

const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09;
/** Between header fields: a space, a tab, or `|` (HealthApp's `time|component|pid|message`). */
const isGap = (c: number): boolean => isSpace(c) || c === 0x7c;
const isOpen = (c: number): boolean => c === 0x5b || c === 0x28 || c === 0x3c;
/** A token of these alone separates fields: `-`, `|`, `:`, `*`, `>`. */
const isSeparatorChar = (c: number): boolean =>
  c === 0x2d || c === 0x7c || c === 0x3a || c === 0x2a || c === 0x3e;

/** The level word spelled at [a, b) in any case, as stored; undefined when it is none. */
function levelWord(s: string, a: number, b: number): string | undefined {
  const n = b - a;
  if (n < 3 || n > 8) return undefined;
  const first = s.charCodeAt(a) & ~0x20;
  // The initials of the words: most first words of a message end here.
  if (first < 0x41 || first > 0x5a || ((LEVEL_INITIALS >> (first - 0x41)) & 1) === 0) return undefined;
  for (let w = 0; w < LEVEL_WORDS.length; w++) {
    const word = LEVEL_WORDS[w]!;
    if (word.length !== n || word.charCodeAt(0) !== first) continue;
    let k = 1;
    while (k < n && (s.charCodeAt(a + k) & ~0x20) === word.charCodeAt(k)) k++;
    if (k === n) return LEVEL_NAMES[w];
  }
  return undefined;
}

/** Upper case throughout, or not: `ERROR` vs `error` / `Error` / `eRRor`. */
function allUpper(s: string, a: number, b: number): boolean {
  for (let k = a; k < b; k++) if (!isUpper(s.charCodeAt(k))) return false;
  return true;
}

/** Lower case, or capitalised: `error`, `Error`. Mixed case (`eRRor`) is no level. */
function lowerOrTitle(s: string, a: number, b: number): boolean {
  for (let k = a + 1; k < b; k++) if (!isLower(s.charCodeAt(k))) return false;
  return true;
}

/** `level=`, `lvl=` or `severity=` at `i` (logfmt): the length of the key and `=`, else 0. */
function levelKey(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c !== 0x6c && c !== 0x73) return 0;
  if (s.startsWith('level=', i)) return 6;
  if (s.startsWith('lvl=', i)) return 4;
  if (s.startsWith('severity=', i)) return 9;
  return 0;
}

/** `time=`, `ts=` or `timestamp=` at `i` (logfmt): the length of the key and `=`, else 0. */
function timeKey(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x74) return 0;
  if (s.startsWith('time=', i)) return 5;
  if (s.startsWith('ts=', i)) return 3;
  if (s.startsWith('timestamp=', i)) return 10;
  return 0;
}

/**
 * The level the token [i, end) names, undefined when none. `apart`: the token follows the
 * timestamp directly, which sets it apart as a field whatever its case.
 */
function levelOf(s: string, i: number, end: number, apart: boolean, afterTime: boolean): string | undefined {
  // Most header tokens (times, numbers, ids) start with no letter a level could start with.
  const c = s.charCodeAt(i);
  if (!isUpper(c) && !isLower(c) && !isOpen(c)) return undefined;
  let a = i;
  let framed = apart;
  const key = levelKey(s, a);
  if (key > 0) {
    a += key;
    framed = true;
  } else if (isOpen(s.charCodeAt(a))) {
    a++;
    framed = true;
  }
  let b = a;
  while (b < end && (isUpper(s.charCodeAt(b)) || isLower(s.charCodeAt(b)))) b++;
  const next = b < end ? s.charCodeAt(b) : -1;
  // logcat's brief format: `W/ActivityManager(  585):` or `W/Tag:`.
  if (b === a + 1 && next === 0x2f) return logcatTag(s, a, end);
  // logcat's threadtime format: `03-17 16:13:38.811  1702  2395 D WindowManager: ...`.
  if (b === a + 1 && b === end && afterTime) return logcatLetter(s, a, end);
  // What may follow the word inside its token: nothing, or the end of its frame.
  if (next !== -1) {
    if (next !== 0x5d && next !== 0x29 && next !== 0x3e && next !== 0x3a && next !== 0x2c) return undefined;
    framed = true;
  }
  const level = levelWord(s, a, b);
  if (level === undefined) return undefined;
  if (allUpper(s, a, b)) return level;
  return framed && lowerOrTitle(s, a, b) ? level : undefined;
}

/** `W/Tag(` or `W/Tag:` with a tag of two or more characters (`I/O error` is not a level). */
function logcatTag(s: string, a: number, end: number): string | undefined {
  const level = LOGCAT_LEVELS[s.charAt(a)];
  if (level === undefined) return undefined;
  let k = a + 2;
  while (k < end && s.charCodeAt(k) !== 0x28 && s.charCodeAt(k) !== 0x3a) k++;
  return k < end && k - (a + 2) >= 2 ? level : undefined;
}

/** A lone logcat letter, when the next token is the tag: a word ending in `:`. */
function logcatLetter(s: string, a: number, end: number): string | undefined {
  const level = LOGCAT_LEVELS[s.charAt(a)];
  if (level === undefined) return undefined;
  const max = scanEnd(s, end);
  let k = end;
  while (k < max && isSpace(s.charCodeAt(k))) k++;
  const tagStart = k;
  while (k < max && !isGap(s.charCodeAt(k))) k++;
  return k - tagStart >= 2 && s.charCodeAt(k - 1) === 0x3a ? level : undefined;
}

/**
 * How far any scan may reach from where it starts: a token longer than the header is no header
 * token, and a message of 64 KB without a space must not be read to its end, per log.
 */
const scanEnd = (s: string, k: number): number => Math.min(s.length, k + HEADER_CHARS);

/** Whether every character of [i, end) separates fields (`-`, `|`, `:`, `*`, `>`). */
function isSeparator(s: string, i: number, end: number): boolean {
  for (let k = i; k < end; k++) if (!isSeparatorChar(s.charCodeAt(k))) return false;
  return true;
}

/** Whether [i, end) has a digit: a pid, a thread or node id, a number. */
function hasDigit(s: string, i: number, end: number): boolean {
  for (let k = i; k < end; k++) if (isDigit(s.charCodeAt(k))) return true;
  return false;
}

/** Whether the token after `end` is a lone separator (`name - `), making [.., end) a named field. */
function separatorFollows(s: string, end: number): boolean {
  const max = scanEnd(s, end);
  let k = end;
  while (k < max && isSpace(s.charCodeAt(k))) k++;
  const start = k;
  while (k < max && !isGap(s.charCodeAt(k))) k++;
  if (k > start) return isSeparator(s, start, k);
  return k < max && s.charCodeAt(k) === 0x7c;
}

function tokenEnd(s: string, i: number): number {
  const max = scanEnd(s, i);
  let k = i;
  while (k < max && !isGap(s.charCodeAt(k))) k++;
  return k;
}

function skipGaps(s: string, i: number): number {
  const max = scanEnd(s, i);
  let k = i;
  while (k < max && isGap(s.charCodeAt(k))) k++;
  return k;
}

/**
 * The cheap test before any reading, in one pass over the first token: whether it could open a
 * header. Most messages without one begin with a word, which ends the test at once.
 */
function mayOpenHeader(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (isDigit(c) || isOpen(c) || c === 0x2d) return true;
  if (!isUpper(c) && !isLower(c)) return false;
  const max = scanEnd(s, i);
  let k = i + 1;
  while (k < max && (isUpper(s.charCodeAt(k)) || isLower(s.charCodeAt(k)))) k++;
  const next = k < s.length ? s.charCodeAt(k) : -1;
  // `Dec 10 06:55:46`, `Sun Dec 04 ...`; `ERROR`, `error:`; logcat's `W/Tag`; logfmt's `level=`.
  if (dateNameAt(s, i) || levelWord(s, i, k) !== undefined) return true;
  if ((k === i + 1 && next === 0x2f) || next === 0x3d) return true;
  // A token with a digit: a file name or a host before the time (`nova-api.log.1.2017-05-16_…`).
  for (; k < max && !isGap(s.charCodeAt(k)); k++) if (isDigit(s.charCodeAt(k))) return true;
  return false;
}

/**
 * What the header of `message` says: its timestamp if `wantTime`, its level if `wantLevel`.
 * `now`: the arrival, which dates a header without a year (syslog, logcat).
 */
export function lineFields(message: string, now: number, wantTime: boolean, wantLevel: boolean): LineFields {
  let i = skipGaps(message, 0);
  if (!mayOpenHeader(message, i)) return NOTHING;
  let timestamp: number | undefined;
  let level: string | undefined;
  let afterTime = false;
  let justAfterTime = false;
  // Numbers before any time (`12345 ERROR`) make no header a level can follow; brackets do.
  let bareNumber = false;
  let onlySeparators = true;
  for (let n = 0; n < HEADER_TOKENS && i < HEADER_CHARS && i < message.length; n++) {
    if (timestamp === undefined) {
      let t = timeAt(message, i + timeKey(message, i), now);
      // An epoch number is a time only as the first token (after BGL's `-`) and before more header.
      if (t === undefined && onlySeparators) {
        t = epochAt(message, i, now);
        if (t !== undefined && !epochFollowed(message, timeEnd)) t = undefined;
      }
      if (t !== undefined) {
        timestamp = t;
        afterTime = justAfterTime = true;
        // A bracketed time (`[Sun Dec 04 04:47:44 2005]`) ends with its bracket.
        i = skipGaps(message, endOfBracket(message, timeEnd));
        if (level !== undefined || !wantLevel) break;
        continue;
      }
    }
    const end = tokenEnd(message, i);
    if (level === undefined && wantLevel && (!bareNumber || afterTime || levelKey(message, i) > 0)) {
      level = levelOf(message, i, end, justAfterTime, afterTime);
      if (level !== undefined && (timestamp !== undefined || !wantTime)) break;
      if (level !== undefined) {
        i = skipGaps(message, end);
        justAfterTime = false;
        continue;
      }
    }
    justAfterTime = false;
    const first = message.charCodeAt(i);
    if (isSeparator(message, i, end)) {
      i = skipGaps(message, end);
      continue;
    }
    onlySeparators = false;
    if (isOpen(first)) {
      // A bracketed field (`[main]`, `(pid 12)`, `<30>`) may hold spaces: skip to its close.
      i = skipGaps(message, closeOf(message, i, first));
      continue;
    }
    if (hasDigit(message, i, end)) {
      if (!afterTime) bareNumber = true;
      i = skipGaps(message, end);
      continue;
    }
    // A word: a field only after the time and when a separator follows it (Python's
    // `asctime - name - LEVEL - msg`).
    if (!afterTime || !separatorFollows(message, end)) break;
    i = skipGaps(message, end);
  }
  if (timestamp === undefined && level === undefined) return NOTHING;
  return { timestamp: wantTime ? timestamp : undefined, level: wantLevel ? level : undefined };
}

/**
 * A first-token epoch number counts only when more header follows it (a number, a bracket, a
 * date): `1131566461 2005.11.09 dn228 ...`, not `1234567890 rows copied`.
 */
function epochFollowed(s: string, end: number): boolean {
  const k = skipGaps(s, end);
  const c = s.charCodeAt(k);
  return isDigit(c) || c === 0x5b;
}

/** Past the `]` that closes a bracketed time, when the time ended at one. */
function endOfBracket(s: string, end: number): number {
  const max = scanEnd(s, end);
  let k = end;
  while (k < max && endsToken(s, k) && !isGap(s.charCodeAt(k))) k++;
  return k;
}

/** The end of the bracketed field opened at `i` (its closing bracket), within the header. */
function closeOf(s: string, i: number, open: number): number {
  const close = open === 0x5b ? 0x5d : open === 0x28 ? 0x29 : 0x3e;
  const limit = Math.min(s.length, i + HEADER_CHARS);
  for (let k = i + 1; k < limit; k++) {
    if (s.charCodeAt(k) === close) return tokenEnd(s, k + 1);
  }
  return tokenEnd(s, i);
}
