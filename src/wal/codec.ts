/**
 * A record's payload: the logs of one accepted request, validated and with their row ids, as
 * the JSON text of one array of rows. Positional arrays rather than objects: no key repeated
 * per log, and JSON.stringify (native) was measured faster than encoding field by field in JS.
 */
import type { LogRecord } from '../model/log.ts';

/** What follows the kind byte; a later kind (say, a binary encoding) gets its own number. */
const KIND_LOGS_JSON = 1;

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

export function encodeLogs(logs: readonly LogRecord[]): Buffer {
  const rows = new Array<Row>(logs.length);
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i]!;
    rows[i] = [
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
  const json = JSON.stringify(rows);
  const payload = Buffer.allocUnsafe(1 + Buffer.byteLength(json));
  payload[0] = KIND_LOGS_JSON;
  payload.write(json, 1, 'utf8');
  return payload;
}

/** Throws on a payload this version did not write (the checksum already held: a bug, not damage). */
export function decodeLogs(payload: Buffer): LogRecord[] {
  if (payload[0] !== KIND_LOGS_JSON) throw new Error(`unknown write-ahead-log record kind ${payload[0]}`);
  const rows = JSON.parse(payload.toString('utf8', 1)) as Row[];
  return rows.map(([timestamp, org, dashboard, service, host, level, message, metadata, id]) => ({
    timestamp,
    org,
    dashboard,
    service,
    host,
    level,
    message,
    metadata,
    id,
  }));
}
