import { BadRequestError } from '../errors.ts';
import { readColumnsInTableOrder, type ReadColumn, type ReadName, type Same } from '../model/log-fields.ts';
import type { LogRecord } from '../model/log.ts';
import { untemplatedCode, type UntemplatedCode } from '../model/untemplated.ts';
import type { ClickHouseClient } from './client.ts';
import { storedTimestampMs } from './format.ts';
import { isoFromMs } from './templates.ts';

export interface LogsQuery {
  org: string;
  templateId?: number | undefined;
  /** With templateId: the templates merged into it (curation), whose lines read as its own. */
  mergedIds?: readonly number[] | undefined;
  /** Exact values of these labels; the level as stored (upper case: the caller normalises it). */
  level?: string | undefined;
  service?: string | undefined;
  host?: string | undefined;
  q?: string | undefined;
  /** Epoch ms, inclusive. */
  from?: number | undefined;
  /** Epoch ms, inclusive. */
  to?: number | undefined;
  /** 1..10000; validated by the caller. */
  limit: number;
  cursor?: string | undefined;
}

export interface LogView {
  timestamp: string;
  org: string;
  dashboard: string;
  service: string;
  host: string;
  level: string;
  message: string;
  template_id: number;
  /** The template's current text; null for template 0 or a template not (yet) saved. */
  template: string | null;
  variables: string[];
  metadata: Record<string, string>;
  /** With template 0: why it has none (model/untemplated.ts); null with a template. */
  untemplated_reason: UntemplatedCode | null;
}

export interface LogsPage {
  logs: LogView[];
  /** Pass back as `cursor` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

/**
 * The cursor is the last row's (timestamp, id): rows are ordered by timestamp then by the random
 * per-row id, a total order, so a page boundary inside a run of equal timestamps neither skips
 * nor repeats a row.
 */
interface Cursor {
  ts: number;
  id: string;
}

const MAX_UINT64 = 2n ** 64n - 1n;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [ts, id] = value as unknown[];
      if (
        Number.isSafeInteger(ts) &&
        typeof id === 'string' &&
        /^\d{1,20}$/.test(id) &&
        BigInt(id) <= MAX_UINT64
      ) {
        return { ts: ts as number, id };
      }
    }
  } catch {
    // fall through: any malformed cursor gets the same answer
  }
  const message = 'not a cursor returned by this endpoint';
  throw new BadRequestError('INVALID_CURSOR', `cursor: ${message}`, [
    { index: null, field: 'cursor', code: 'INVALID_CURSOR', message },
  ]);
}

/** splitByNonAlpha's token characters: ASCII letters and digits, and every non-ASCII character. */
const TOKEN_RUN = /[A-Za-z0-9\u0080-\u{10FFFF}]+/gu;
const ASCII_TOKEN = /^[A-Za-z0-9]+$/;

/**
 * Index conditions implied by "message contains q": a token of q with a separator on both sides
 * is a whole token of the message (hasAllTokens reads the text index directly); a run at an edge
 * of q may be part of a longer token, so it is a LIKE on the same lower(message) expression
 * (which the index answers by scanning its dictionary). Only ASCII tokens, because the index
 * lower-cases ASCII only. They narrow; the substring test alone decides.
 */
export function searchTokens(q: string): { whole: string[]; partial: string[] } {
  const whole = new Set<string>();
  const partial = new Set<string>();
  for (const match of q.matchAll(TOKEN_RUN)) {
    const token = match[0];
    if (!ASCII_TOKEN.test(token)) continue;
    const start = match.index;
    const atEdge = start === 0 || start + token.length === q.length;
    (atEdge ? partial : whole).add(token.toLowerCase());
  }
  return { whole: [...whole], partial: [...partial].filter((t) => t.length >= 3) };
}

interface LogRow {
  ts: string;
  /** Not aliased `id`: ClickHouse aliases are visible in WHERE and ORDER BY, and would shadow the column. */
  row_id: string;
  org: string;
  dashboard: string;
  service: string;
  host: string;
  level: string;
  message: string;
  template_id: string;
  variables: string[];
  metadata: Record<string, string>;
  untemplated_reason: string;
}

/**
 * The columns of the fields GET /logs serves (model/log-fields.ts), the timestamp as epoch ms (a
 * number to compare and to put in the cursor), and the id, the cursor's tie-breaker.
 */
const LOG_SELECT = [
  ...readColumnsInTableOrder().map((column) =>
    column === 'timestamp' ? 'toUnixTimestamp64Milli(timestamp) AS ts' : column,
  ),
  'toString(id) AS row_id',
].join(', ');

/**
 * Fails to compile when a field is added to or removed from the read API in the declaration but
 * not in LogRow (what LOG_SELECT returns) and LogView (what queryLogs maps it to), or the reverse.
 */
export const READ_TYPES_AGREE: [
  Same<keyof LogRow, 'ts' | 'row_id' | Exclude<ReadColumn, 'timestamp'>>,
  Same<keyof LogView, ReadName | 'template'>,
] = [true, true];

/**
 * Newest first. `q` is a case-insensitive substring of the message (what a user typing part of a
 * log line expects, like grep -i); the text index pre-filters by the whole words in it. Every
 * value is a bound parameter.
 */
export async function queryLogs(client: ClickHouseClient, db: string, query: LogsQuery): Promise<LogsPage> {
  // Count-only stubs (a template's drop or sample rule, model/curation.ts) are volume, not lines.
  const where = ['org = {org:String}', "message != ''"];
  const params: Record<string, unknown> = { org: query.org, limit: query.limit + 1 };
  if (query.templateId !== undefined) {
    where.push('template_id IN {templateIds:Array(UInt64)}');
    params['templateIds'] = [query.templateId, ...(query.mergedIds ?? [])];
  }
  for (const label of ['level', 'service', 'host'] as const) {
    const value = query[label];
    if (value === undefined) continue;
    where.push(`${label} = {${label}:String}`);
    params[label] = value;
  }
  if (query.from !== undefined) {
    where.push(`timestamp >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')`);
    params['from'] = query.from;
  }
  if (query.to !== undefined) {
    where.push(`timestamp <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')`);
    params['to'] = query.to;
  }
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    // The plain bound on timestamp lets the key and partitions prune; the OR breaks ties by id.
    where.push(`timestamp <= fromUnixTimestamp64Milli({cursorTs:Int64}, 'UTC')`);
    where.push(`(timestamp < fromUnixTimestamp64Milli({cursorTs:Int64}, 'UTC') OR id < {cursorId:UInt64})`);
    params['cursorTs'] = cursor.ts;
    params['cursorId'] = cursor.id;
  }
  if (query.q !== undefined && query.q !== '') {
    const { whole, partial } = searchTokens(query.q);
    if (whole.length > 0) {
      where.push('hasAllTokens(lower(message), {qTokens:Array(String)})');
      params['qTokens'] = whole;
    }
    partial.forEach((token, i) => {
      // Tokens are [a-z0-9] only, so nothing in them is a LIKE wildcard or escape.
      where.push(`lower(message) LIKE {qLike${i}:String}`);
      params[`qLike${i}`] = `%${token}%`;
    });
    where.push('positionCaseInsensitiveUTF8(message, {q:String}) > 0');
    params['q'] = query.q;
  }

  const result = await client.query({
    query: `SELECT ${LOG_SELECT}
FROM ${db}.logs
WHERE ${where.join('\n  AND ')}
ORDER BY timestamp DESC, id DESC
LIMIT {limit:UInt32}`,
    format: 'JSONEachRow',
    query_params: params,
  });
  const rows = await result.json<LogRow>();
  const more = rows.length > query.limit;
  if (more) rows.length = query.limit;

  const texts = await templateTexts(client, db, query.org, rows);
  const logs = rows.map((row): LogView => {
    const templateId = Number(row.template_id);
    return {
      timestamp: isoFromMs(row.ts),
      org: row.org,
      dashboard: row.dashboard,
      service: row.service,
      host: row.host,
      level: row.level,
      message: row.message,
      template_id: templateId,
      template: texts.get(templateId) ?? null,
      variables: row.variables,
      metadata: row.metadata,
      untemplated_reason: templateId === 0 ? untemplatedCode(row.untemplated_reason) : null,
    };
  });
  const last = rows.at(-1);
  return {
    logs,
    nextCursor: more && last !== undefined ? encodeCursor({ ts: Number(last.ts), id: last.row_id }) : null,
  };
}

/** Current text of the page's templates: one small keyed read instead of a join over the page. */
async function templateTexts(
  client: ClickHouseClient,
  db: string,
  org: string,
  rows: readonly LogRow[],
): Promise<Map<number, string>> {
  const ids = [...new Set(rows.map((row) => row.template_id))].filter((id) => id !== '0');
  const texts = new Map<number, string>();
  if (ids.length === 0) return texts;
  const result = await client.query({
    query: `SELECT template_id, template FROM ${db}.templates FINAL
WHERE org = {org:String} AND template_id IN {ids:Array(UInt64)}`,
    format: 'JSONEachRow',
    query_params: { org, ids },
  });
  for (const row of await result.json<{ template_id: string; template: string }>()) {
    texts.set(Number(row.template_id), row.template);
  }
  return texts;
}

/**
 * Which of these logs (each with its row id) are stored: the write-ahead log's replay asks
 * before storing a log again. The filter names the sorting key's org and hour, so only the
 * granules those logs can be in are read, and the arrival day, so only recent partitions.
 */
export async function findStoredIds(
  client: ClickHouseClient,
  db: string,
  logs: readonly LogRecord[],
  arrivedSince: number,
): Promise<Set<string>> {
  const stored = new Set<string>();
  if (logs.length === 0) return stored;
  const orgs = new Set<string>();
  const hours = new Set<number>();
  for (const log of logs) {
    orgs.add(log.org);
    hours.add(Math.floor(storedTimestampMs(log.timestamp) / 3_600_000) * 3_600_000);
  }
  const result = await client.query({
    query: `SELECT toString(id) AS id FROM ${db}.logs
WHERE org IN {orgs:Array(String)}
  AND toStartOfHour(timestamp) IN (SELECT toStartOfHour(fromUnixTimestamp64Milli(arrayJoin({hours:Array(Int64)}), 'UTC')))
  AND ingested_at >= toDateTime({since:UInt32}, 'UTC')
  AND id IN (SELECT toUInt64(arrayJoin({ids:Array(String)})))`,
    query_params: {
      orgs: [...orgs],
      hours: [...hours],
      since: Math.max(0, Math.floor(arrivedSince / 1000)),
      ids: logs.map((log) => log.id ?? '0'),
    },
    format: 'JSONEachRow',
  });
  for (const row of await result.json<{ id: string }>()) stored.add(row.id);
  return stored;
}
