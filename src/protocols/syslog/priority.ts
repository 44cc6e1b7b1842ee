/**
 * The PRI part of a syslog message, `<PRIVAL>` with PRIVAL = facility * 8 + severity (RFC 5424
 * §6.2.1, the same in RFC 3164 §4.1.1), and the names the service stores for it.
 */

/** Severity 0-7 as a level: the service's levels are upper case (ingest/validate.ts). */
export const SEVERITY_LEVELS = [
  'EMERGENCY',
  'ALERT',
  'CRITICAL',
  'ERROR',
  'WARNING',
  'NOTICE',
  'INFO',
  'DEBUG',
] as const;

/** Facility 0-23 by rsyslog's names (what `local0.err` in its configuration spells). */
export const FACILITY_NAMES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/**
 * What a message without a PRI is taken as: user.notice, as RFC 3164 §4.3.3 has a relay do
 * (and rsyslog does).
 */
export const DEFAULT_PRIVAL = 13;

export interface Priority {
  readonly level: string;
  readonly facility: string;
  /** Where the text after `>` starts. */
  readonly end: number;
}

/**
 * The PRI at the start of `text`, or undefined when there is none: `<`, one to three digits
 * without a leading zero (except `<0>`), at most 191, `>`.
 */
export function readPriority(text: string): Priority | undefined {
  if (text.charCodeAt(0) !== 0x3c /* < */) return undefined;
  let value = 0;
  let i = 1;
  for (; i < text.length && i <= 4; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3e /* > */) break;
    if (c < 0x30 || c > 0x39) return undefined;
    if (i > 1 && value === 0) return undefined; // a leading zero: not a PRIVAL
    value = value * 10 + (c - 0x30);
  }
  if (i === 1 || i > 4 || text.charCodeAt(i) !== 0x3e || value > 191) return undefined;
  return { ...priorityOf(value), end: i + 1 };
}

export function priorityOf(prival: number): { level: string; facility: string } {
  return { level: SEVERITY_LEVELS[prival & 7]!, facility: FACILITY_NAMES[prival >> 3]! };
}
