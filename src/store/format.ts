import type { StoredLog } from '../model/log.ts';
import { logColumnsInTableOrder, type LogColumn } from '../model/log-fields.ts';
import { newRowIds } from '../model/row-id.ts';

/**
 * The logs table's columns that an insert names, in table order (model/log-fields.ts). The
 * encoders below write them in this order by hand, per row; test/unit/store/format.test.ts checks
 * that they write every declared field into its column.
 */
export const LOG_COLUMNS: readonly LogColumn[] = logColumnsInTableOrder();

export type InsertFormat = 'TabSeparated' | 'JSONCompactEachRow' | 'JSONEachRow';

/**
 * The format logs are inserted in: the fastest of the three measured by bench/store-insert.ts
 * (10 batches of 10,000 rows each, embedded engine, Node 24.21; escaping in every row):
 *
 * | format             | encode ms/batch | insert ms/batch | total rows/s | body bytes/row |
 * |--------------------|-----------------|-----------------|--------------|----------------|
 * | JSONEachRow        | 27.2            | 76.4            | 96,557       | 390            |
 * | JSONCompactEachRow | 19.7            | 72.2            | 108,862      | 283            |
 * | TabSeparated       | 42.1            | 74.4            | 85,832       | 261            |
 *
 * The engine parses TSV and compact JSON alike; JSON.stringify (native) beats escaping in JS.
 */
export const LOG_FORMAT: InsertFormat = 'JSONCompactEachRow';

/** DateTime64(3) accepts 1900-01-01 .. 2299-12-31; outside it a whole batch would fail forever. */
const MIN_MS = -2_208_988_800_000;
const MAX_MS = 10_413_791_999_999;

/** The timestamp a log is stored with: its own, within what the column holds. */
export function storedTimestampMs(ms: number): number {
  return Number.isFinite(ms) ? Math.min(MAX_MS, Math.max(MIN_MS, Math.trunc(ms))) : 0;
}

/**
 * `YYYY-MM-DD hh:mm:ss.mmm` (UTC, the column's zone): unambiguous in every text format. Numeric
 * forms are not: `0.001` is read as a malformed date, a bare integer as seconds or as ticks.
 */
export function encodeTimestamp(ms: number): string {
  const clamped = storedTimestampMs(ms);
  // The logs of a batch mostly share their second: its text is made once (toISOString was a
  // third of encoding a row in bench:ingest's profile), the milliseconds are appended.
  const second = Math.floor(clamped / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    cachedSecond = second;
    cachedPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
  }
  const millis = clamped - second * 1000;
  return cachedPrefix + (millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : String(millis));
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

function encodeTemplateId(id: number): string {
  return Number.isSafeInteger(id) && id >= 0 ? String(id) : '0';
}

const TSV_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\\0',
  '\b': '\\b',
  '\f': '\\f',
};
const TSV_SPECIAL = /[\\\t\n\r\0\b\f]/g;
const QUOTED_SPECIAL = /[\\'\t\n\r\0\b\f]/g;

const TSV_NEEDS_ESCAPE = /[\\\t\n\r\0\b\f]/;
const QUOTED_NEEDS_ESCAPE = /[\\'\t\n\r\0\b\f]/;

// The test first: most values need no escaping, and a failed test is far cheaper than replace().
export function escapeTsv(value: string): string {
  return TSV_NEEDS_ESCAPE.test(value) ? value.replace(TSV_SPECIAL, (c) => TSV_ESCAPES[c] ?? c) : value;
}

/** A string inside an Array or Map of a TSV field: quoted, so no raw tab or newline remains. */
function quoteTsv(value: string): string {
  if (!QUOTED_NEEDS_ESCAPE.test(value)) return `'${value}'`;
  return `'${value.replace(QUOTED_SPECIAL, (c) => (c === "'" ? "\\'" : (TSV_ESCAPES[c] ?? c)))}'`;
}

function quoteTsvArray(values: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + quoteTsv(values[i] as string);
  return `${out}]`;
}

function encodeTsvRow(row: StoredLog, id: string): string {
  let metadata = '{';
  let first = true;
  for (const key in row.metadata) {
    if (!first) metadata += ',';
    metadata += `${quoteTsv(key)}:${quoteTsv(String(row.metadata[key]))}`;
    first = false;
  }
  metadata += '}';
  return (
    `${encodeTimestamp(row.timestamp)}\t${escapeTsv(row.org)}\t${escapeTsv(row.dashboard)}\t` +
    `${escapeTsv(row.service)}\t${escapeTsv(row.host)}\t${escapeTsv(row.level)}\t${escapeTsv(row.message)}\t` +
    `${encodeTemplateId(row.templateId)}\t${quoteTsvArray(row.variables)}\t${metadata}\t${id}\t` +
    `${escapeTsv(row.untemplatedReason)}\n`
  );
}

/**
 * JSON.stringify takes its slow path for a whole row when any object in it has no prototype, as
 * metadata has (ingest/validate.ts makes it so): 0.55 µs more per row, a third of encoding one
 * (bench/batch-stages.ts). Metadata is mostly empty: then this ordinary empty object stands in.
 */
const EMPTY_MAP = Object.freeze({});

function ordinaryIfEmpty(map: Record<string, string>): Record<string, string> {
  for (const key in map) if (Object.hasOwn(map, key)) return map;
  return EMPTY_MAP;
}

function compactRow(row: StoredLog, id: string): unknown[] {
  return [
    encodeTimestamp(row.timestamp),
    row.org,
    row.dashboard,
    row.service,
    row.host,
    row.level,
    row.message,
    encodeTemplateId(row.templateId),
    row.variables,
    ordinaryIfEmpty(row.metadata),
    id,
    row.untemplatedReason,
  ];
}

/** A matched log's line in LOG_FORMAT, with its id (which it must have). */
export function encodeInsertLine(row: StoredLog): string {
  return `${JSON.stringify(compactRow(row, row.id ?? ''))}\n`;
}

/** Encodes rows once; the same text is resent on every retry of their batch. */
export function encodeLogs(rows: readonly StoredLog[], format: InsertFormat): string {
  // Ids are fixed once, with the text (retries resend them); a log that has one keeps it.
  let ids: string[] | undefined;
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const id = row.id === undefined || row.id === '' ? (ids ??= newRowIds(rows.length))[i]! : row.id;
    if (format === 'TabSeparated') parts[i] = encodeTsvRow(row, id);
    else if (format === 'JSONCompactEachRow') parts[i] = `${JSON.stringify(compactRow(row, id))}\n`;
    else {
      const [timestamp, org, dashboard, service, host, level, message, template_id, variables, metadata] =
        compactRow(row, id);
      const untemplated_reason = row.untemplatedReason;
      parts[i] =
        `${JSON.stringify({ timestamp, org, dashboard, service, host, level, message, template_id, variables, metadata, id, untemplated_reason })}\n`;
    }
  }
  return parts.join('');
}
