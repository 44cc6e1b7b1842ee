import { isUtf8 } from 'node:buffer';
import { BadRequestError, PayloadTooLargeError, type FieldProblem } from '../errors.ts';
import { hasMoreLogsThan } from './json-count.ts';

/** A line of an NDJSON body that is not valid JSON; reported as that log's problem. */
export class MalformedLine {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/**
 * The logs of one request before validation. `single` is a lone log object (its problems
 * carry no index); otherwise `items[i]` is reported with index `indexes[i]` (the position in
 * `logs`, or the 0-based line number of an NDJSON body).
 */
export interface SubmittedLogs {
  single: boolean;
  items: unknown[];
  indexes: number[] | null;
  /**
   * False when the body's text holds no `\\uD800`-`\\uDFFF` escape: then no string in it can
   * hold a lone surrogate (valid UTF-8 cannot encode one), and validation skips that check of
   * each field (measured: 165 ns a log). Absent: check.
   */
  surrogateEscapes?: boolean;
  /**
   * List every refused log in the answer, not only the first 100: a protocol that answers per
   * item (Elasticsearch's bulk) must say which items failed. Bounded by the logs of a request.
   */
  everyProblem?: boolean;
}

const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Whether JSON text may hold a lone surrogate (see SubmittedLogs.surrogateEscapes). */
export function hasSurrogateEscapes(text: string): boolean {
  return SURROGATE_ESCAPE.test(text);
}

/**
 * A JSON body is one log object, `{"logs": [...]}`, or (as log shippers such as Vector send
 * batches) a bare array of logs.
 */
export function logsFromJson(body: unknown): SubmittedLogs {
  if (Array.isArray(body)) return { single: false, items: body, indexes: null };
  if (body === null || typeof body !== 'object') {
    throw new BadRequestError(
      'NOT_AN_OBJECT',
      'the body must be a log object, {"logs": [...]}, or an array of logs',
      [{ index: null, field: '', code: 'NOT_AN_OBJECT', message: 'the body must be a JSON object or array' }],
    );
  }
  const logs = (body as Record<string, unknown>)['logs'];
  if (logs === undefined) return { single: true, items: [body], indexes: null };
  if (!Array.isArray(logs)) {
    const p: FieldProblem = {
      index: null,
      field: 'logs',
      code: 'INVALID_TYPE',
      message: 'logs must be an array',
    };
    throw new BadRequestError('INVALID_TYPE', p.message, [p]);
  }
  return { single: false, items: logs, indexes: null };
}

/** A request of more logs than it may hold: refused whole (413), nothing of it stored. */
export function tooManyLogs(maxLogs: number, got: number | undefined): PayloadTooLargeError {
  return new PayloadTooLargeError(
    'TOO_MANY_LOGS',
    `at most ${maxLogs} logs per request, got ${got ?? `more than ${maxLogs}`}; split the batch`,
    maxLogs,
  );
}

/**
 * NDJSON: one log per line; blank lines are skipped; a malformed line fails alone. Past
 * `maxLogs` lines the body is refused at once (TOO_MANY_LOGS), before the rest is parsed: a
 * 10 MB body of one-character lines would otherwise be millions of parsed values first.
 */
export function logsFromNdjson(text: string, maxLogs = Number.POSITIVE_INFINITY): SubmittedLogs {
  // A malformed line costs a SyntaxError; with its stack trace that was 3 µs a line, 30 ms of
  // event loop for 10,000 junk lines. Only the message is reported.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseNdjsonLines(text, maxLogs);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function parseNdjsonLines(text: string, maxLogs: number): SubmittedLogs {
  const items: unknown[] = [];
  const indexes: number[] = [];
  let line = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end).trim();
    if (raw !== '') {
      if (items.length === maxLogs) throw tooManyLogs(maxLogs, undefined);
      try {
        items.push(JSON.parse(raw));
      } catch (err) {
        items.push(new MalformedLine((err as Error).message));
      }
      indexes.push(line);
    }
    line++;
    start = end + 1;
  }
  return { single: false, items, indexes, surrogateEscapes: hasSurrogateEscapes(text) };
}

/** JSON.parse with the error a client can act on. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = `malformed JSON: ${(err as Error).message}`;
    throw new BadRequestError('MALFORMED_JSON', message, [
      { index: null, field: '', code: 'MALFORMED_JSON', message },
    ]);
  }
}

/**
 * The body as text, refused when it is not UTF-8: decoding would put U+FFFD in place of the
 * bytes, and the service never silently changes what a client sent.
 */
export function utf8Text(bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    throw new BadRequestError('INVALID_UTF8', 'the body is not valid UTF-8; send UTF-8 (JSON is UTF-8)');
  }
  return bytes.toString('utf8');
}

/** How a body holds its logs: JSON (a log, `{"logs": [...]}` or an array) or NDJSON. */
export type Framing = 'json' | 'ndjson';

/** A body's text as the logs it submits; past `maxLogs` logs it is refused before it is all parsed. */
export function logsFromText(text: string, framing: Framing, maxLogs: number): SubmittedLogs {
  if (framing === 'ndjson') return logsFromNdjson(text, maxLogs);
  if (hasMoreLogsThan(text, maxLogs)) throw tooManyLogs(maxLogs, undefined);
  return { ...logsFromJson(parseJsonBody(text)), surrogateEscapes: hasSurrogateEscapes(text) };
}
