import { DEFAULT_LIMITS, type ValidationLimits } from '../config.ts';
import type { FieldProblem } from '../errors.ts';
import type { LogRecord } from '../model/log.ts';
import { LOG_FIELDS, type LogFieldName } from '../model/log-fields.ts';
import { orgProblem } from '../model/org.ts';
import { lineFields } from './line-fields.ts';
import { inStoredRange, parseIsoTimestamp } from './timestamp.ts';

/** Longest label accepted; each label's own limit is in its declaration (model/log-fields.ts). */
export { MAX_LABEL_LENGTH } from '../model/log-fields.ts';

const DEFAULT_LEVEL = LOG_FIELDS.level.default;

/** The optional labels (model/log-fields.ts), each checked the same way and '' when absent. */
type Label = {
  [K in LogFieldName]: (typeof LOG_FIELDS)[K] extends { input: 'optional'; maxLength: number } ? K : never;
}[LogFieldName];
const LABELS = Object.entries(LOG_FIELDS).flatMap(([name, field]) =>
  field.input === 'optional' && 'maxLength' in field
    ? [{ name: name as Label, maxLength: field.maxLength }]
    : [],
);

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

/**
 * Whether an org's logs sent without a timestamp or level take them from the line's header
 * (LINE_FIELDS, LINE_FIELDS_OFF_ORGS); undefined: never.
 */
export type LineFieldsFor = (org: string) => boolean;

/**
 * A submitted log's time of observation (OTLP's observedTimeUnixNano): its timestamp when it was
 * sent without one and its line names none. A symbol, so no JSON body can set it.
 */
export const OBSERVED_TIME = Symbol('observed time');

export type ValidationResult = { ok: true; log: LogRecord } | { ok: false; problem: FieldProblem };
type Rejected = Extract<ValidationResult, { ok: false }>;

function problem(index: number | null, field: string, code: string, message: string): Rejected {
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
 * Unknown fields are ignored, so clients can send richer objects than we store. The fields are
 * checked in a fixed order (org, message, timestamp, labels, metadata): the first problem is
 * the one reported. Per-field code rather than a loop over the declaration: this runs per log.
 * With `lineFieldsFor` saying yes for the org, a log sent without a timestamp or a level takes
 * them from its line's header (ingest/line-fields.ts) instead of the arrival time and INFO.
 */
export function validateLog(
  input: unknown,
  index: number | null,
  now: number,
  limits: ValidationLimits = DEFAULT_LIMITS,
  checkText = true,
  lineFieldsFor?: LineFieldsFor,
): ValidationResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return problem(index, '', 'NOT_AN_OBJECT', `a log must be a JSON object, got ${describe(input)}`);
  }
  const raw = input as Record<string, unknown>;

  const org = requiredText(raw, 'org', index);
  if (typeof org !== 'string') return org;
  const badOrg = orgProblem(org);
  if (badOrg !== undefined) return problem(index, 'org', badOrg.code, badOrg.message);

  const message = requiredText(raw, 'message', index);
  if (typeof message !== 'string') return message;
  if (checkText && !message.isWellFormed()) return notText(index, 'message');
  if (utf8LengthOver(message, limits.maxMessageBytes)) {
    return problem(
      index,
      'message',
      'TOO_LONG',
      `message must be at most ${limits.maxMessageBytes} bytes (UTF-8); split it into several logs`,
    );
  }

  const sent = raw['timestamp'];
  const observed = (input as { [OBSERVED_TIME]?: unknown })[OBSERVED_TIME];
  let timestamp = timestampOf(sent ?? observed, index, now);
  if (typeof timestamp !== 'number') return timestamp;

  const labels = labelsOf(raw, index, checkText);
  if ('ok' in labels) return labels;

  const metadata = normaliseMetadata(raw['metadata']);
  if (typeof metadata === 'string') return problem(index, 'metadata', 'INVALID_TYPE', metadata);
  if (metadata === NESTED_TOO_DEEPLY) {
    return problem(
      index,
      'metadata',
      'TOO_LARGE',
      'metadata values are nested too deeply to store; flatten them',
    );
  }
  const tooLarge = metadataProblem(metadata, index, limits);
  if (tooLarge !== undefined) return tooLarge;
  if (checkText) {
    for (const key in metadata) {
      if (!key.isWellFormed() || !(metadata[key] as string).isWellFormed()) return notText(index, 'metadata');
    }
  }

  let level = labels.level === '' ? DEFAULT_LEVEL : labels.level.toUpperCase();
  // What the client sent always wins: the line is read only for what it left out.
  const sentTime = sent !== undefined && sent !== null;
  if ((!sentTime || labels.level === '') && lineFieldsFor?.(org) === true) {
    const found = lineFields(message, now, !sentTime, labels.level === '');
    // A line's time outside what is stored (1970-2299) is no reason to refuse the log.
    if (found.timestamp !== undefined && inStoredRange(found.timestamp)) timestamp = found.timestamp;
    if (found.level !== undefined) level = found.level;
  }

  return {
    ok: true,
    log: {
      timestamp,
      org,
      dashboard: labels.dashboard,
      service: labels.service,
      host: labels.host,
      level,
      message,
      metadata,
    },
  };
}

/**
 * One rule for text in every field: a lone UTF-16 surrogate (`"\ud800"` in JSON) is not text,
 * and cannot be stored as UTF-8 without being changed (to U+FFFD, or to its escape): the log is
 * refused, so what is stored is always what was sent. (org has its own, narrower alphabet.)
 */
function notText(index: number | null, field: string): Rejected {
  return problem(
    index,
    field,
    'INVALID_TEXT',
    `${field} holds a lone UTF-16 surrogate (an escape such as \\ud800 without its pair): not text that can be stored unchanged`,
  );
}

/** A field the client must send: a string that is not blank. */
function requiredText(
  raw: Record<string, unknown>,
  field: 'org' | 'message',
  index: number | null,
): string | Rejected {
  const value = raw[field];
  if (value === undefined || value === null)
    return problem(index, field, 'MISSING_FIELD', `${field} is required`);
  if (typeof value !== 'string') {
    return problem(index, field, 'INVALID_TYPE', `${field} must be a string, got ${describe(value)}`);
  }
  if (value.trim() === '') return problem(index, field, 'EMPTY_FIELD', `${field} must not be empty`);
  return value;
}

/** Epoch milliseconds from an ISO 8601 string or a number; `now` when absent. */
function timestampOf(ts: unknown, index: number | null, now: number): number | Rejected {
  let timestamp = now;
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
  if (!inStoredRange(timestamp)) {
    return problem(index, 'timestamp', 'INVALID_TIMESTAMP', 'timestamp must be between 1970 and 2299');
  }
  return timestamp;
}

/** The optional labels as sent ('' when absent or null); the level is normalised by the caller. */
function labelsOf(
  raw: Record<string, unknown>,
  index: number | null,
  checkText: boolean,
): Record<Label, string> | Rejected {
  const labels: Record<Label, string> = { dashboard: '', service: '', host: '', level: '' };
  for (const { name, maxLength } of LABELS) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      return problem(index, name, 'INVALID_TYPE', `${name} must be a string, got ${describe(value)}`);
    }
    if (value.length > maxLength) {
      return problem(index, name, 'TOO_LONG', `${name} must be at most ${maxLength} characters`);
    }
    if (checkText && !value.isWellFormed()) return notText(index, name);
    labels[name] = value;
  }
  return labels;
}

/** The configured limits on normalised metadata: how many keys, how many UTF-8 bytes in all. */
function metadataProblem(
  metadata: Record<string, string>,
  index: number | null,
  limits: ValidationLimits,
): Rejected | undefined {
  let keys = 0;
  let chars = 0;
  for (const key in metadata) {
    keys++;
    chars += key.length + (metadata[key] as string).length;
  }
  if (keys > limits.maxMetadataKeys) {
    return problem(
      index,
      'metadata',
      'TOO_MANY_KEYS',
      `metadata must have at most ${limits.maxMetadataKeys} keys, got ${keys}`,
    );
  }
  if (chars * 3 > limits.maxMetadataBytes && metadataBytes(metadata) > limits.maxMetadataBytes) {
    return problem(
      index,
      'metadata',
      'TOO_LARGE',
      `metadata keys and values must total at most ${limits.maxMetadataBytes} bytes (UTF-8)`,
    );
  }
  return undefined;
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
