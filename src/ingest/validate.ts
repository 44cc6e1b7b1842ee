import { DEFAULT_LIMITS, type ValidationLimits } from '../config.ts';
import type { FieldProblem } from '../errors.ts';
import type { LogRecord } from '../model/log.ts';
import { MAX_TIMESTAMP_MS, parseIsoTimestamp } from './timestamp.ts';

/** Longest org, dashboard, service, host or level accepted: they are labels, not text. */
export const MAX_LABEL_LENGTH = 256;

const DEFAULT_LEVEL = 'INFO';

/**
 * UTF-8 length of `text` when it may exceed `limit`, else its UTF-16 length (a lower bound that
 * is then also within the limit): a string of n UTF-16 units has at most 3n UTF-8 bytes, so
 * the byte count is only needed when 3n > limit, and the common short string costs nothing.
 */
function utf8LengthOver(text: string, limit: number): boolean {
  if (text.length * 3 <= limit) return false;
  if (text.length > limit) return true;
  return Buffer.byteLength(text, 'utf8') > limit;
}

export type ValidationResult = { ok: true; log: LogRecord } | { ok: false; problem: FieldProblem };

function problem(index: number | null, field: string, code: string, message: string): ValidationResult {
  return { ok: false, problem: { index, field, code, message } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Checks one submitted log and normalises it into a LogRecord. `index` is its position in a
 * batch (null for a single log) and is echoed in the problem so the client can find it.
 * Unknown fields are ignored, so clients can send richer objects than we store.
 */
export function validateLog(
  input: unknown,
  index: number | null,
  now: number,
  limits: ValidationLimits = DEFAULT_LIMITS,
): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return problem(index, '', 'NOT_AN_OBJECT', `a log must be a JSON object, got ${describe(input)}`);
  }
  const raw = input as Record<string, unknown>;

  const org = raw['org'];
  if (org === undefined || org === null) return problem(index, 'org', 'MISSING_FIELD', 'org is required');
  if (typeof org !== 'string')
    return problem(index, 'org', 'INVALID_TYPE', `org must be a string, got ${describe(org)}`);
  if (org.trim() === '') return problem(index, 'org', 'EMPTY_FIELD', 'org must not be empty');
  if (org.length > MAX_LABEL_LENGTH) {
    return problem(index, 'org', 'TOO_LONG', `org must be at most ${MAX_LABEL_LENGTH} characters`);
  }

  const message = raw['message'];
  if (message === undefined || message === null) {
    return problem(index, 'message', 'MISSING_FIELD', 'message is required');
  }
  if (typeof message !== 'string') {
    return problem(index, 'message', 'INVALID_TYPE', `message must be a string, got ${describe(message)}`);
  }
  if (message.trim() === '') return problem(index, 'message', 'EMPTY_FIELD', 'message must not be empty');
  if (utf8LengthOver(message, limits.maxMessageBytes)) {
    return problem(
      index,
      'message',
      'TOO_LONG',
      `message must be at most ${limits.maxMessageBytes} bytes (UTF-8); split it into several logs`,
    );
  }

  let timestamp = now;
  const ts = raw['timestamp'];
  if (typeof ts === 'string') {
    const parsed = parseIsoTimestamp(ts);
    if (parsed === undefined) {
      return problem(
        index,
        'timestamp',
        'INVALID_TIMESTAMP',
        `timestamp ${JSON.stringify(ts.slice(0, 64))} is not ISO 8601`,
      );
    }
    timestamp = parsed;
  } else if (typeof ts === 'number') {
    if (!Number.isFinite(ts))
      return problem(index, 'timestamp', 'INVALID_TIMESTAMP', 'timestamp must be finite');
    timestamp = Math.floor(ts);
  } else if (ts !== undefined && ts !== null) {
    return problem(
      index,
      'timestamp',
      'INVALID_TYPE',
      `timestamp must be an ISO 8601 string or epoch milliseconds, got ${describe(ts)}`,
    );
  }
  if (timestamp < 0 || timestamp > MAX_TIMESTAMP_MS) {
    return problem(index, 'timestamp', 'INVALID_TIMESTAMP', 'timestamp must be between 1970 and 2299');
  }

  const labels: Record<'dashboard' | 'service' | 'host' | 'level', string> = {
    dashboard: '',
    service: '',
    host: '',
    level: '',
  };
  for (const field of ['dashboard', 'service', 'host', 'level'] as const) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      return problem(index, field, 'INVALID_TYPE', `${field} must be a string, got ${describe(value)}`);
    }
    if (value.length > MAX_LABEL_LENGTH) {
      return problem(index, field, 'TOO_LONG', `${field} must be at most ${MAX_LABEL_LENGTH} characters`);
    }
    labels[field] = value;
  }

  const metadataResult = normaliseMetadata(raw['metadata']);
  if (typeof metadataResult === 'string') return problem(index, 'metadata', 'INVALID_TYPE', metadataResult);
  if (metadataResult === NESTED_TOO_DEEPLY) {
    return problem(
      index,
      'metadata',
      'TOO_LARGE',
      'metadata values are nested too deeply to store; flatten them',
    );
  }
  let keys = 0;
  let chars = 0;
  for (const key in metadataResult) {
    keys++;
    chars += key.length + (metadataResult[key] as string).length;
  }
  if (keys > limits.maxMetadataKeys) {
    return problem(
      index,
      'metadata',
      'TOO_MANY_KEYS',
      `metadata must have at most ${limits.maxMetadataKeys} keys, got ${keys}`,
    );
  }
  if (chars * 3 > limits.maxMetadataBytes && metadataBytes(metadataResult) > limits.maxMetadataBytes) {
    return problem(
      index,
      'metadata',
      'TOO_LARGE',
      `metadata keys and values must total at most ${limits.maxMetadataBytes} bytes (UTF-8)`,
    );
  }

  return {
    ok: true,
    log: {
      timestamp,
      org,
      dashboard: labels.dashboard,
      service: labels.service,
      host: labels.host,
      level: labels.level === '' ? DEFAULT_LEVEL : labels.level.toUpperCase(),
      message,
      metadata: metadataResult,
    },
  };
}

function metadataBytes(metadata: Record<string, string>): number {
  let bytes = 0;
  for (const key in metadata) {
    bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(metadata[key] as string, 'utf8');
  }
  return bytes;
}

/** normaliseMetadata's answer for a value nested deeper than JSON.stringify can go. */
export const NESTED_TOO_DEEPLY = Symbol('metadata nested too deeply');

/**
 * Metadata is stored as a map of strings. Strings are kept as they are; numbers and
 * booleans become their JSON text; nested objects and arrays are stored as their JSON
 * text (nothing the client sent is lost, and it stays parseable); null values are
 * dropped. Returns an error message when metadata is not an object, NESTED_TOO_DEEPLY when a
 * value is too deep to write as text.
 */
export function normaliseMetadata(
  value: unknown,
): Record<string, string> | string | typeof NESTED_TOO_DEEPLY {
  // A null-prototype object: a "__proto__" key from the client stays an ordinary key.
  const out = Object.create(null) as Record<string, string>;
  if (value === undefined || value === null) return out;
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `metadata must be a JSON object, got ${describe(value)}`;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string') out[key] = v;
    else if (v === null) continue;
    else if (typeof v === 'object') {
      // JSON.parse takes any depth, JSON.stringify recurses: a value nested some thousands of
      // levels deep (a 20 KB body) overflows the stack, which must not become a 500.
      try {
        out[key] = JSON.stringify(v);
      } catch (err) {
        if (err instanceof RangeError) return NESTED_TOO_DEEPLY;
        throw err;
      }
    } else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}
