/**
 * The fields of a log, declared once. Derived from this declaration: the logs table's column list
 * that every insert names (store/format.ts), the read query's select list (store/queries.ts), the
 * defaults and label limits validation applies (ingest/validate.ts), and a compile-time check that
 * the interfaces in log.ts agree with it (below). What cannot be derived is checked against it by
 * tests: the Avro schemas (test/unit/model/log-fields.test.ts: the newest schemas/*.avsc, which
 * are a wire contract and are versioned, not generated) and the logs table the migrations create
 * (test/integration/store/log-columns.test.ts: system.columns). The hand-written per-log code
 * (validateLog, the row encoders, toStoredLog, the read view) and the routes' OpenAPI schemas
 * (test/integration/http/openapi.test.ts) are tested to cover every field.
 *
 * No field is nullable: an absent optional value is its default, never null. A Nullable column or
 * an Avro union with "null" would be a drift, and the tests compare the types whole.
 */
import { ORG_MAX_LENGTH } from './org.ts';
import type { LogRecord, StoredLog } from './log.ts';

/** Longest org, dashboard, service, host or level accepted (UTF-16 units): labels, not text. */
export const MAX_LABEL_LENGTH = 256;

/** A field's type in the Avro records, as written in schemas/*.avsc. */
export type AvroFieldType =
  | 'string'
  | 'long'
  | { readonly type: 'long'; readonly logicalType: 'timestamp-millis' }
  | { readonly type: 'map'; readonly values: 'string' }
  | { readonly type: 'array'; readonly items: 'string' };

export interface LogField {
  /** Its TypeScript type in LogRecord / StoredLog. */
  readonly type: 'number' | 'string' | 'string[]' | 'Record<string, string>';
  /** The first record that carries it; a StoredLog carries every field of the LogRecord. */
  readonly record: 'LogRecord' | 'StoredLog';
  /**
   * In a submitted log (POST /logs/ingest): the client must send it, may send it, or cannot set
   * it (the service does: the matcher, the writer, Kafka-mode ingest).
   */
  readonly input: 'required' | 'optional' | 'not accepted';
  /** May be absent from the TypeScript record (`id?:`): standalone logs get theirs at the writer. */
  readonly optional?: true;
  /**
   * The value a record has when the field is not given: what validation fills in for a submitted
   * log and what an Avro reader takes from a message of an older schema version. Absent: the
   * Avro field has no default (timestamp's input default, the receive time, is not a constant).
   */
  readonly default?: string | number | readonly [] | Readonly<Record<string, never>>;
  /** A label's longest accepted value (UTF-16 units); absent for text and structured fields. */
  readonly maxLength?: number;
  readonly avro: AvroFieldType;
  /** Its column in the logs table: name, type and 1-based position (system.columns.position). */
  readonly column: { readonly name: string; readonly type: string; readonly position: number };
  /** Its name in GET /logs when that differs from the field's; null: not served by the read API. */
  readonly read?: string | null;
}

/** Keeps the literal types of the declaration, so the checks below can read them. */
function declareLogFields<const F extends { readonly [K in keyof StoredLog]-?: LogField }>(fields: F): F {
  return fields;
}

/** A label a client may leave out: '' then, at most MAX_LABEL_LENGTH, a LowCardinality column. */
function optionalLabel<const N extends string, const P extends number>(name: N, position: P) {
  return {
    type: 'string',
    record: 'LogRecord',
    input: 'optional',
    default: '',
    maxLength: MAX_LABEL_LENGTH,
    avro: 'string',
    column: { name, type: 'LowCardinality(String)', position },
  } as const;
}

/**
 * In the records' order, which is the Avro field order and so part of the wire format. The table
 * orders its columns differently (metadata after variables), hence the explicit positions.
 */
export const LOG_FIELDS = declareLogFields({
  timestamp: {
    type: 'number',
    record: 'LogRecord',
    input: 'optional',
    avro: { type: 'long', logicalType: 'timestamp-millis' },
    column: { name: 'timestamp', type: "DateTime64(3, 'UTC')", position: 1 },
  },
  org: {
    type: 'string',
    record: 'LogRecord',
    input: 'required',
    // And only the characters of model/org.ts.
    maxLength: ORG_MAX_LENGTH,
    avro: 'string',
    column: { name: 'org', type: 'LowCardinality(String)', position: 2 },
  },
  dashboard: optionalLabel('dashboard', 3),
  service: optionalLabel('service', 4),
  host: optionalLabel('host', 5),
  level: {
    type: 'string',
    record: 'LogRecord',
    input: 'optional',
    default: 'INFO',
    maxLength: MAX_LABEL_LENGTH,
    avro: 'string',
    column: { name: 'level', type: 'LowCardinality(String)', position: 6 },
  },
  message: {
    type: 'string',
    record: 'LogRecord',
    input: 'required',
    avro: 'string',
    column: { name: 'message', type: 'String', position: 7 },
  },
  metadata: {
    type: 'Record<string, string>',
    record: 'LogRecord',
    input: 'optional',
    default: {},
    avro: { type: 'map', values: 'string' },
    column: { name: 'metadata', type: 'Map(LowCardinality(String), String)', position: 10 },
  },
  templateId: {
    type: 'number',
    record: 'StoredLog',
    input: 'not accepted',
    default: 0,
    avro: 'long',
    column: { name: 'template_id', type: 'UInt64', position: 8 },
    read: 'template_id',
  },
  variables: {
    type: 'string[]',
    record: 'StoredLog',
    input: 'not accepted',
    default: [],
    avro: { type: 'array', items: 'string' },
    column: { name: 'variables', type: 'Array(String)', position: 9 },
  },
  id: {
    type: 'string',
    record: 'LogRecord',
    input: 'not accepted',
    optional: true,
    default: '',
    avro: 'string',
    // A UInt64 column read as a decimal string: beyond a JS number.
    column: { name: 'id', type: 'UInt64', position: 11 },
    // Only the cursor carries it (store/queries.ts).
    read: null,
  },
  untemplatedReason: {
    type: 'string',
    record: 'StoredLog',
    input: 'not accepted',
    default: '',
    // A code of model/untemplated.ts: set by the service, never by a client.
    maxLength: 64,
    avro: 'string',
    // Added by migration 006, after the table-only ingested_at (12).
    column: { name: 'untemplated_reason', type: 'LowCardinality(String)', position: 13 },
    read: 'untemplated_reason',
  },
});

type Fields = typeof LOG_FIELDS;
export type LogFieldName = keyof Fields;

/** Columns of the logs table that are no field of a log: the table fills them in. */
export const LOG_TABLE_ONLY_COLUMNS = [
  // Retention counts from arrival (store/migrations/001_logs.ts).
  { name: 'ingested_at', type: "DateTime('UTC')", position: 12, default: 'now()' },
] as const;

/** The logs table's column names that the service writes, in table order. */
export type LogColumn = Fields[LogFieldName]['column']['name'];

/** The fields' columns in table order: the order of every insert's column list and row. */
export function logColumnsInTableOrder(): LogColumn[] {
  return Object.values(LOG_FIELDS)
    .toSorted((a, b) => a.column.position - b.column.position)
    .map((field) => field.column.name);
}

type ReadField = { [K in LogFieldName]: Fields[K] extends { read: null } ? never : K }[LogFieldName];

/** The fields GET /logs serves, by their name there. */
export type ReadName = {
  [K in ReadField]: Fields[K] extends { read: string } ? Fields[K]['read'] : K;
}[ReadField];

/** The columns GET /logs reads. */
export type ReadColumn = Fields[ReadField]['column']['name'];

/** The columns of the fields GET /logs serves, in table order. */
export function readColumnsInTableOrder(): ReadColumn[] {
  const read = new Set<string>(
    Object.values(LOG_FIELDS)
      .filter((field) => !('read' in field) || field.read !== null)
      .map((field) => field.column.name),
  );
  return logColumnsInTableOrder().filter((column): column is ReadColumn => read.has(column));
}

// --- Compile-time check: the interfaces in log.ts are what the declaration says. ---

interface TypeOf {
  number: number;
  string: string;
  'string[]': string[];
  'Record<string, string>': Record<string, string>;
}
type Carried<R extends LogField['record']> = {
  [K in LogFieldName]: R extends 'StoredLog' ? K : Fields[K]['record'] extends R ? K : never;
}[LogFieldName];
type OptionalIn<R extends LogField['record']> = {
  [K in Carried<R>]: Fields[K] extends { optional: true } ? K : never;
}[Carried<R>];
type Flatten<T> = { [K in keyof T]: T[K] };
type Declared<R extends LogField['record']> = Flatten<
  { [K in Exclude<Carried<R>, OptionalIn<R>>]: TypeOf[Fields[K]['type']] } & {
    [K in OptionalIn<R>]?: TypeOf[Fields[K]['type']];
  }
>;
/** True when A and B are the same type (not merely assignable either way). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile when LogRecord or StoredLog (log.ts) and the declaration disagree. */
export const INTERFACES_AGREE: [
  Same<Flatten<LogRecord>, Declared<'LogRecord'>>,
  Same<Flatten<StoredLog>, Declared<'StoredLog'>>,
] = [true, true];
