/**
 * One syslog message (a TCP frame or a UDP datagram) as a log for the ingest stage: RFC 5424
 * when the PRI is followed by version 1, else RFC 3164. Like rsyslog, nothing is refused for
 * its form: a line without a PRI is stored whole as the message, as user.notice (RFC 3164
 * §4.3.3), and counted as unparsed. Pure: no sockets, no clock but `now`.
 */
import { DEFAULT_PRIVAL, priorityOf, readPriority } from './priority.ts';
import { parseRfc3164 } from './rfc3164.ts';
import { parseRfc5424 } from './rfc5424.ts';

export type SyslogForm = 'rfc5424' | 'rfc3164' | 'unparsed';

/** A log as POST /logs/ingest would take it (validated by the ingest stage, not here). */
export interface SyslogLog {
  org: string;
  message: string;
  level: string;
  timestamp?: number;
  service?: string;
  host?: string;
  metadata: Record<string, string>;
}

export interface ParsedSyslog {
  readonly log: SyslogLog;
  readonly form: SyslogForm;
}

/**
 * `text`: the frame as UTF-8 text. `peer`: the sender's address, the host of a message that
 * names none (rsyslog's fromhost). Trailing CR, LF and NUL are framing, not message.
 */
export function parseSyslog(raw: string, org: string, peer: string, now: number): ParsedSyslog {
  const text = trimFraming(raw);
  const pri = readPriority(text);
  if (pri === undefined) {
    const { level, facility } = priorityOf(DEFAULT_PRIVAL);
    const metadata = Object.create(null) as Record<string, string>;
    metadata['facility'] = facility;
    return { log: { org, message: text, level, host: peer, metadata }, form: 'unparsed' };
  }
  const ietf = parseRfc5424(text, pri.end);
  const fields = ietf ?? parseRfc3164(text, pri.end, now);
  fields.metadata['facility'] = pri.facility;
  const log: SyslogLog = {
    org,
    message: fields.message,
    level: pri.level,
    host: fields.host ?? peer,
    metadata: fields.metadata,
  };
  if (fields.timestamp !== undefined) log.timestamp = fields.timestamp;
  if (fields.service !== undefined) log.service = fields.service;
  return { log, form: ietf === undefined ? 'rfc3164' : 'rfc5424' };
}

function trimFraming(text: string): string {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 0x0a && c !== 0x0d && c !== 0x00) break;
    end--;
  }
  return end === text.length ? text : text.slice(0, end);
}

/** `::ffff:10.0.0.1` (an IPv4 sender on a dual-stack socket) as `10.0.0.1`. */
export function peerAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
