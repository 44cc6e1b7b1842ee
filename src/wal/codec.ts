/**
 * A record's payload: the logs of one accepted request, validated and with their row ids.
 *
 *   kind 2   0x02 | JSON array of the unmatched logs as rows | '\n' | the matched logs' insert lines
 *
 * A matched log is written as the line the insert sends (store/format.ts, JSONCompactEachRow),
 * made once in the request and reused by the insert: the WAL adds no second encoding of the
 * rows that matched (measured: encoding 1,000 logs for the WAL alone cost 0.43 ms, 8% of the
 * service's time under batches of 1,000). An unmatched log is a positional array: no key
 * repeated per log, and JSON.stringify (native) was faster than building the text in JS.
 * Kind 1 (the unmatched form for every log) is still read.
 */
import type { LogColumn } from '../model/log-fields.ts';
import type { LogRecord } from '../model/log.ts';
import { LOG_COLUMNS } from '../store/format.ts';

const KIND_LOGS_JSON = 1;
const KIND_ROWS = 2;

type Row = [
  timestamp: number,
  org: string,
  dashboard: string,
  service: string,
  host: string,
  level: string,
  message: string,
  metadata: Record<string, string>,
  id: string,
];

function toRow(log: LogRecord): Row {
  return [
    log.timestamp,
    log.org,
    log.dashboard,
    log.service,
    log.host,
    log.level,
    log.message,
    log.metadata,
    log.id ?? '',
  ];
}

function fromRow([timestamp, org, dashboard, service, host, level, message, metadata, id]: Row): LogRecord {
  return { timestamp, org, dashboard, service, host, level, message, metadata, id };
}

/**
 * The start of a request's record: its kind and unmatched logs. The matched logs' insert lines
 * (each ending in '\n') follow it as they are, with no separator (RecordFramer writes them).
 */
export function recordHead(unmatched: readonly LogRecord[]): string {
  return `${String.fromCharCode(KIND_ROWS)}${JSON.stringify(unmatched.map(toRow))}\n`;
}

/** Every log of a record, matched ones included, as it was accepted. Throws on a kind it does not know. */
export function decodeRecord(payload: Buffer): LogRecord[] {
  const kind = payload[0];
  const text = payload.toString('utf8', 1);
  if (kind === KIND_LOGS_JSON) return (JSON.parse(text) as Row[]).map(fromRow);
  if (kind !== KIND_ROWS) throw new Error(`unknown write-ahead-log record kind ${kind}`);
  const end = text.indexOf('\n');
  const logs = (JSON.parse(text.slice(0, end)) as Row[]).map(fromRow);
  for (const line of text.slice(end + 1).split('\n')) if (line !== '') logs.push(fromInsertLine(line));
  return logs;
}

const at = (name: LogColumn): number => LOG_COLUMNS.indexOf(name);
const COLUMN = {
  timestamp: at('timestamp'),
  org: at('org'),
  dashboard: at('dashboard'),
  service: at('service'),
  host: at('host'),
  level: at('level'),
  message: at('message'),
  metadata: at('metadata'),
  id: at('id'),
};

/** A JSONCompactEachRow line back to the log (its template is found again by matching). */
function fromInsertLine(line: string): LogRecord {
  const values = JSON.parse(line) as unknown[];
  const text = (i: number) => values[i] as string;
  return {
    // `YYYY-MM-DD hh:mm:ss.mmm`, UTC (store/format.ts encodeTimestamp).
    timestamp: Date.parse(`${text(COLUMN.timestamp).replace(' ', 'T')}Z`),
    org: text(COLUMN.org),
    dashboard: text(COLUMN.dashboard),
    service: text(COLUMN.service),
    host: text(COLUMN.host),
    level: text(COLUMN.level),
    message: text(COLUMN.message),
    metadata: values[COLUMN.metadata] as Record<string, string>,
    id: text(COLUMN.id),
  };
}
