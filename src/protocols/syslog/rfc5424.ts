/**
 * RFC 5424 after the PRI: `1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`, `-` for a
 * field left out (NILVALUE). Structured data becomes metadata `sd.<SD-ID>.<PARAM-NAME>` with the
 * escapes \" \\ \] undone; PROCID and MSGID become `procid` and `msgid`.
 */
import type { SyslogFields } from './fields.ts';
import { parseRfc3339 } from './time.ts';

const SP = 0x20;
const NIL = '-';
const BOM = '\uFEFF';

/** The fields, or undefined when `text` from `start` is not an RFC 5424 message. */
export function parseRfc5424(text: string, start: number): SyslogFields | undefined {
  if (!text.startsWith('1 ', start)) return undefined;
  const cursor = { at: start + 2 };
  const timestamp = field(text, cursor);
  const host = field(text, cursor);
  const app = field(text, cursor);
  const procid = field(text, cursor);
  const msgid = field(text, cursor);
  if (msgid === undefined) return undefined;
  let ms: number | undefined;
  if (timestamp !== NIL) {
    ms = parseRfc3339(timestamp!);
    // A time that does not parse is not this format.
    if (ms === undefined) return undefined;
  }
  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  if (procid !== NIL) metadata['procid'] = procid!;
  if (msgid !== NIL) metadata['msgid'] = msgid;
  if (text[cursor.at] === NIL) cursor.at++;
  else if (!readStructuredData(text, cursor, metadata)) return undefined;
  let message = '';
  if (cursor.at < text.length) {
    if (text.charCodeAt(cursor.at) !== SP) return undefined;
    message = text.slice(cursor.at + 1);
    if (message.startsWith(BOM)) message = message.slice(1);
  }
  // Assigned, not spread: this runs per message.
  const fields: SyslogFields = { message, metadata };
  if (ms !== undefined) fields.timestamp = ms;
  if (host !== NIL) fields.host = host;
  if (app !== NIL) fields.service = app;
  return fields;
}

/** The next space-terminated, non-empty header field. */
function field(text: string, cursor: { at: number }): string | undefined {
  const end = text.indexOf(' ', cursor.at);
  if (end <= cursor.at) return undefined;
  const value = text.slice(cursor.at, end);
  cursor.at = end + 1;
  return value;
}

/**
 * `[id param="value" ...][id2 ...]` into metadata; false when it is malformed. A parameter that
 * repeats (RFC 5424 allows it) is stored as the JSON array of its values, as ingest stores an
 * array sent in metadata.
 */
function readStructuredData(text: string, cursor: { at: number }, metadata: Record<string, string>): boolean {
  const values = new Map<string, string[]>();
  let i = cursor.at;
  while (text[i] === '[') {
    const idEnd = nameEnd(text, i + 1);
    if (idEnd === i + 1) return false;
    const id = text.slice(i + 1, idEnd);
    i = idEnd;
    while (text[i] === ' ') {
      const nameStop = nameEnd(text, i + 1);
      if (nameStop === i + 1 || text[nameStop] !== '=' || text[nameStop + 1] !== '"') return false;
      const key = `sd.${id}.${text.slice(i + 1, nameStop)}`;
      const value = readParamValue(text, nameStop + 2);
      if (value === undefined) return false;
      const list = values.get(key);
      if (list === undefined) values.set(key, [value.text]);
      else list.push(value.text);
      i = value.end;
    }
    if (text[i] !== ']') return false;
    i++;
  }
  if (i === cursor.at) return false;
  for (const [key, list] of values) metadata[key] = list.length === 1 ? list[0]! : JSON.stringify(list);
  cursor.at = i;
  return true;
}

/** Where an SD-NAME starting at `from` ends: 1-32 printable ASCII but = SP ] ". */
function nameEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < 32) {
    const c = text.charCodeAt(i);
    if (c <= SP || c > 0x7e || c === 0x3d || c === 0x5d || c === 0x22) break;
    i++;
  }
  return i;
}

/** A PARAM-VALUE from just after its opening quote; `end` is after the closing quote. */
function readParamValue(text: string, from: number): { text: string; end: number } | undefined {
  let out = '';
  let run = from;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { text: out + text.slice(run, i), end: i + 1 };
    if (c === '\\') {
      const next = text[i + 1];
      // Only these three are escapes; any other backslash is itself (RFC 5424 §6.3.3).
      if (next === '"' || next === '\\' || next === ']') {
        out += text.slice(run, i);
        run = i + 1;
        i++;
      }
    }
  }
  return undefined;
}
