/**
 * Loki streams and entries as our logs. A stream's labels name where its lines come from:
 * the first of `service_name`, `service`, `app`, `job` is the service (Loki's own
 * `service_name`, then the names its service discovery looks at); the first of `host`,
 * `hostname`, `instance` the host; the first of `level`, `detected_level`, `severity` the
 * level (else the entry's structured metadata under those names). Every other label, and
 * every structured-metadata pair, goes to metadata; a structured-metadata key that is also a
 * label wins, as the entry's own value is the more specific (as OTLP's record attributes win
 * over its resource's). A label taken as a field is not repeated in metadata.
 */
import type { LabelPairs } from './label-set.ts';

export const SERVICE_LABELS = ['service_name', 'service', 'app', 'job'] as const;
export const HOST_LABELS = ['host', 'hostname', 'instance'] as const;
export const LEVEL_LABELS = ['level', 'detected_level', 'severity'] as const;

/**
 * Most structured-metadata pairs one entry may carry: more and the request is refused whole
 * (Loki's own default limit is 128 an entry). A hostile body of millions of empty pairs would
 * otherwise be as many allocations before the ingest stage's per-log limit is reached.
 */
export const MAX_STRUCTURED_METADATA = 1024;

/** A push request that cannot be read (the caller answers 400, nothing stored). */
export class MalformedPush extends Error {}

export function tooMuchStructuredMetadata(): MalformedPush {
  return new MalformedPush(`an entry has more than ${MAX_STRUCTURED_METADATA} structured metadata pairs`);
}

/** What a stream's labels give each of its entries. */
export interface StreamFields {
  service: string;
  host: string;
  level: string;
  /** The labels not taken as a field. */
  metadata: Record<string, string>;
}

/** Removes and returns the value of the first of `names` in `labels`; '' when none. */
function takeFirst(labels: Record<string, string>, names: readonly string[]): string {
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined) {
      delete labels[name];
      return value;
    }
  }
  return '';
}

export function streamFields(pairs: LabelPairs): StreamFields {
  // No prototype: a label named __proto__ is a label like any other.
  const metadata = Object.create(null) as Record<string, string>;
  for (const [name, value] of pairs) metadata[name] = value;
  const service = takeFirst(metadata, SERVICE_LABELS);
  const host = takeFirst(metadata, HOST_LABELS);
  const level = takeFirst(metadata, LEVEL_LABELS);
  return { service, host, level, metadata };
}

/**
 * The log POST /logs/ingest would have received for one entry (validated downstream: an
 * empty or overlong line, a time outside 1970-2299, too much metadata refuse this entry alone).
 */
export function toLog(
  org: string,
  stream: StreamFields,
  timestampMs: number,
  line: string,
  structured: LabelPairs | undefined,
): object {
  const metadata = Object.assign(Object.create(null) as Record<string, string>, stream.metadata);
  let level = stream.level;
  if (structured !== undefined) {
    for (const [name, value] of structured) metadata[name] = value;
    if (level === '') level = takeFirst(metadata, LEVEL_LABELS);
  }
  const log: Record<string, unknown> = { org, message: line, timestamp: timestampMs, metadata };
  if (level !== '') log['level'] = level;
  if (stream.service !== '') log['service'] = stream.service;
  if (stream.host !== '') log['host'] = stream.host;
  return log;
}
