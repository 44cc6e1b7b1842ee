/**
 * What a direct producer may write to logs.raw: our Avro single-object record (what ingest
 * writes), a JSON log object in the shape of POST /logs/ingest, or OTLP logs (protobuf or
 * JSON), as the OpenTelemetry Collector's Kafka exporter writes them. The format is told apart
 * by the content-type header when there is one, else by the first bytes (Avro's C3 01 marker,
 * `{`, or the protobuf tag of resource_logs); a record that is none of them is refused with the
 * reason (the dead-letter topic), never guessed at.
 *
 * The org: a JSON log's own `org`, else the record key; OTLP has no org field, so the record
 * key (as the service writes it), else an `X-Scope-OrgID` record header.
 */
import { isUtf8 } from 'node:buffer';
import { ORG_HEADER } from '../../model/org.ts';
import { MalformedProtobuf } from '../../protocols/protobuf.ts';
import { decodeOtlpJson } from '../../protocols/otlp/decode-json.ts';
import { decodeOtlpProto, TooManyRecords } from '../../protocols/otlp/decode-proto.ts';
import type { LogRecord } from '../../model/log.ts';
import { UndecodableError } from './avro/codec.ts';
import type { Serde } from './channel.ts';
import type { KafkaMessage } from './client/index.ts';

/** Logs in one OTLP record at most (the Collector's batches are far smaller). */
export const MAX_LOGS_PER_RECORD = 10_000;

type Format = 'avro' | 'json' | 'otlp-proto';

function formatOf(m: KafkaMessage, value: Buffer, avroType: string): Format {
  const header = m.headers['content-type']?.toString('latin1').split(';')[0]?.trim().toLowerCase();
  if (header !== undefined && header !== '') {
    if (header === avroType) return 'avro';
    if (header === 'application/json') return 'json';
    if (header === 'application/x-protobuf' || header === 'application/protobuf') return 'otlp-proto';
    throw new UndecodableError(
      `content-type ${JSON.stringify(header.slice(0, 80))} is not ${avroType}, application/json or application/x-protobuf (OTLP)`,
    );
  }
  const first = value[0];
  if (first === 0xc3 && value[1] === 0x01) return 'avro';
  if (firstNonBlank(value) === 0x7b) return 'json';
  // resource_logs = 1, length-delimited: how every ExportLogsServiceRequest starts.
  if (first === 0x0a) return 'otlp-proto';
  throw new UndecodableError(
    `not an Avro single-object record, a JSON object or OTLP protobuf (first byte 0x${(first ?? 0).toString(16).padStart(2, '0')})`,
  );
}

function firstNonBlank(value: Buffer): number | undefined {
  for (let i = 0; i < value.length && i < 64; i++) {
    const b = value[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

/** The org an OTLP record's logs belong to: its key, else its X-Scope-OrgID header. */
function otlpOrg(m: KafkaMessage): string {
  const org =
    m.key?.toString('utf8') ||
    m.headers[ORG_HEADER]?.toString('utf8') ||
    m.headers['X-Scope-OrgID']?.toString('utf8');
  if (org === undefined || org === '') {
    throw new UndecodableError(
      'an OTLP record names no org: set the record key (or an X-Scope-OrgID header) to it',
    );
  }
  return org;
}

/**
 * The logs of one logs.raw record, not yet validated (the matcher admits each like an HTTP
 * log). Throws UndecodableError for a record in no known format.
 */
export function decodeRawRecord(m: KafkaMessage, avro: Serde<LogRecord>): unknown[] {
  const value = m.value;
  if (value === null) throw new UndecodableError('null value (tombstone)');
  const format = formatOf(m, value, avro.contentType);
  if (format === 'avro') return [avro.decode(m.key, value)];
  try {
    if (format === 'otlp-proto') return decodeOtlpProto(value, otlpOrg(m), MAX_LOGS_PER_RECORD);
    if (!isUtf8(value)) throw new UndecodableError('a JSON record that is not UTF-8');
    let body: unknown;
    try {
      body = JSON.parse(value.toString('utf8'));
    } catch (err) {
      throw new UndecodableError(`not JSON: ${(err as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new UndecodableError(
        'a JSON record must be one log object (or an OTLP ExportLogsServiceRequest)',
      );
    }
    if ('resourceLogs' in body) return decodeOtlpJson(body, otlpOrg(m), MAX_LOGS_PER_RECORD);
    const log = body as Record<string, unknown>;
    if (log['org'] === undefined && m.key !== null) return [{ ...log, org: m.key.toString('utf8') }];
    return [log];
  } catch (err) {
    if (err instanceof UndecodableError) throw err;
    if (err instanceof TooManyRecords)
      throw new UndecodableError(`more than ${MAX_LOGS_PER_RECORD} logs in one record`);
    if (err instanceof MalformedProtobuf) throw new UndecodableError(`OTLP protobuf: ${err.message}`);
    // decodeOtlpJson's BadRequestError and anything else a hostile body causes: refused with its reason.
    throw new UndecodableError(err instanceof Error ? err.message : String(err));
  }
}
