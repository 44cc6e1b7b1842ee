/**
 * RFC 3164 (BSD syslog) after the PRI, as senders write it in practice:
 * `Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG`, also without HOSTNAME (what local sockets get), with
 * an RFC 3339 timestamp instead (rsyslog's RSYSLOG_ForwardFormat), or with neither timestamp
 * nor host (`TAG: MSG`, or just text). Whatever follows the PRI is content: nothing is refused.
 */
import type { SyslogFields } from './fields.ts';
import { parseRfc3339 } from './time.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const BSD_TIMESTAMP =
  /(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?: |$)/y;
const ISO_TIMESTAMP = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)?)(?: |$)/y;
/** `tag: ` or `tag[pid]: `; the tag stops at a space, `[`, `]` or `:` (RFC 3164 §4.1.3). */
const TAG = /([^\s[\]:]{1,48})(?:\[([^\]\s]{1,128})\])?:(?: |$)/y;
const DAY_MS = 86_400_000;

export function parseRfc3164(text: string, start: number, now: number): SyslogFields {
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  let at = start;
  let timestamp: number | undefined;
  let stamped = false;
  BSD_TIMESTAMP.lastIndex = at;
  ISO_TIMESTAMP.lastIndex = at;
  const bsd = BSD_TIMESTAMP.exec(text);
  const iso = bsd === null ? ISO_TIMESTAMP.exec(text) : null;
  if (bsd !== null) {
    const [, month, day, h, m, s, frac = ''] = bsd;
    const fraction = Math.floor(Number(frac.padEnd(3, '0').slice(0, 3)));
    timestamp = bsdTime(MONTHS.indexOf(month!), Number(day), +h!, +m!, +s!, fraction, now);
    at = BSD_TIMESTAMP.lastIndex;
    stamped = true;
  } else if (iso !== null) {
    timestamp = parseRfc3339(iso[1]!);
    at = ISO_TIMESTAMP.lastIndex;
    stamped = true;
  }
  let host: string | undefined;
  TAG.lastIndex = at;
  let tag = TAG.exec(text);
  // After a timestamp, a first word that is not a tag is the host (rsyslog reads it so too).
  const space = text.indexOf(' ', at);
  if (stamped && tag === null && space > at) {
    host = text.slice(at, space);
    at = space + 1;
    TAG.lastIndex = at;
    tag = TAG.exec(text);
  }
  let service: string | undefined;
  if (tag !== null) {
    service = tag[1];
    if (tag[2] !== undefined) metadata['procid'] = tag[2];
    at = TAG.lastIndex;
  }
  return {
    message: text.slice(at),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(host === undefined ? {} : { host }),
    ...(service === undefined ? {} : { service }),
    metadata,
  };
}

/**
 * A BSD timestamp has no year and no zone: read as UTC (as the service reads any time without
 * an offset), in the current year, or the previous one when that would put it more than a day
 * ahead (a December line read in January). Undefined for a date that does not exist.
 */
function bsdTime(
  month: number,
  day: number,
  h: number,
  m: number,
  s: number,
  ms: number,
  now: number,
): number | undefined {
  if (day < 1 || h > 23 || m > 59 || s > 60) return undefined;
  let year = new Date(now).getUTCFullYear();
  let time = Date.UTC(year, month, day, h, m, Math.min(s, 59), ms);
  if (time > now + DAY_MS) time = Date.UTC(--year, month, day, h, m, Math.min(s, 59), ms);
  // 30 Feb rolls into March: not a date.
  return new Date(time).getUTCDate() === day ? time : undefined;
}
