/**
 * OTLP log records as our logs: body → message (a structured body as its JSON text),
 * severityText (else severityNumber's level name) → level, timeUnixNano (else the time in the
 * body's header when line fields are on, else observedTimeUnixNano, else now) → timestamp,
 * resource `service.name` → service, `host.name` → host, resource then log attributes →
 * metadata (the log's win), trace and span ids kept.
 * Shared by the protobuf and the JSON decoders.
 */

import { OBSERVED_TIME } from '../../ingest/validate.ts';

/** An attribute or body value, decoded: int64 values beyond 2^53 stay decimal text. */
export type AnyValue = string | number | boolean | null | AnyValue[] | { [key: string]: AnyValue };

/** Nesting of arrays and maps in one value beyond this is refused (a hostile body's recursion). */
export const MAX_VALUE_DEPTH = 16;

/** SeverityNumber ranges (1-4 TRACE ... 21-24 FATAL) as level names, as the data model names them. */
export function severityName(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 1 || n > 24) return undefined;
  return (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const)[Math.floor((n - 1) / 4)];
}

/** A value as stored text: strings as they are, anything structured as its JSON text. */
export function valueText(value: AnyValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Sets an attribute on an ordinary object (objects without a prototype are slower to build and
 * to read), `__proto__` defined as an own key like any other, never through the prototype's setter.
 */
function put(metadata: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(metadata, key, { value, enumerable: true, writable: true, configurable: true });
  } else metadata[key] = value;
}

/** What one resource contributes to each of its records. */
export interface ResourceFields {
  service: string;
  host: string;
  /** Its attributes other than service.name and host.name, as text. */
  metadata: Record<string, string>;
}

export function resourceFields(attributes: ReadonlyArray<readonly [string, AnyValue]>): ResourceFields {
  const fields: ResourceFields = { service: '', host: '', metadata: {} };
  for (const [key, value] of attributes) {
    if (key === 'service.name') fields.service = valueText(value);
    else if (key === 'host.name') fields.host = valueText(value);
    else put(fields.metadata, key, valueText(value));
  }
  return fields;
}

/** One record's own parts, as either decoder reads them. */
export interface RecordParts {
  timeMs: number;
  observedMs: number;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Array<readonly [string, AnyValue]>;
  traceId: string;
  spanId: string;
  eventName: string;
}

export function emptyRecord(): RecordParts {
  return {
    timeMs: 0,
    observedMs: 0,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: [],
    traceId: '',
    spanId: '',
    eventName: '',
  };
}

/** The log POST /logs/ingest would have received for this record (validated downstream). */
export function toLog(org: string, resource: ResourceFields, scopeName: string, r: RecordParts): object {
  const metadata = { ...resource.metadata };
  if (scopeName !== '') metadata['otel.scope.name'] = scopeName;
  for (const [key, value] of r.attributes) put(metadata, key, valueText(value));
  if (r.traceId !== '') metadata['trace_id'] = r.traceId;
  if (r.spanId !== '') metadata['span_id'] = r.spanId;
  if (r.eventName !== '') metadata['event.name'] = r.eventName;
  const log: Record<string, unknown> = { org, message: valueText(r.body), metadata };
  // The time a collector saw a line (the filelog receiver's only time) is no event time: the
  // line's own header comes first (ingest/line-fields.ts), then it.
  if (r.timeMs !== 0) log['timestamp'] = r.timeMs;
  else if (r.observedMs !== 0) (log as { [OBSERVED_TIME]?: number })[OBSERVED_TIME] = r.observedMs;
  const level = r.severityText !== '' ? r.severityText : severityName(r.severityNumber);
  if (level !== undefined) log['level'] = level;
  if (resource.service !== '') log['service'] = resource.service;
  if (resource.host !== '') log['host'] = resource.host;
  return log;
}
