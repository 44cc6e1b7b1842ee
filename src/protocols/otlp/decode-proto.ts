/**
 * ExportLogsServiceRequest (opentelemetry-proto, collector/logs/v1) in the protobuf encoding,
 * walked field by field into our logs. Field numbers are those of logs/v1/logs.proto and
 * common/v1/common.proto; unknown fields are skipped.
 */
import { FIXED64, LEN, MalformedProtobuf, ProtoReader, VARINT } from '../protobuf.ts';
import {
  emptyRecord,
  MAX_VALUE_DEPTH,
  resourceFields,
  toLog,
  type AnyValue,
  type RecordParts,
} from './fields.ts';

/** Stops decoding past `maxLogs` records: the caller refuses the request (413). */
export class TooManyRecords extends Error {}

export function decodeOtlpProto(body: Buffer, org: string, maxLogs: number): object[] {
  const logs: object[] = [];
  const request = new ProtoReader(body);
  while (request.more()) {
    const tag = request.tag();
    if (tag === ((1 << 3) | LEN)) resourceLogs(request.message(), org, logs, maxLogs);
    else request.skip(tag & 7);
  }
  return logs;
}

function resourceLogs(r: ProtoReader, org: string, logs: object[], maxLogs: number): void {
  // The resource may come after its scopes on the wire: read it first.
  const start = r.pos;
  let attributes: Array<readonly [string, AnyValue]> = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) attributes = resourceAttributes(r.message());
    else r.skip(tag & 7);
  }
  const resource = resourceFields(attributes);
  r.pos = start;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LEN)) scopeLogs(r.message(), org, resource, logs, maxLogs);
    else r.skip(tag & 7);
  }
}

function resourceAttributes(r: ProtoReader): Array<readonly [string, AnyValue]> {
  const attributes: Array<readonly [string, AnyValue]> = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) attributes.push(keyValue(r.message(), 0));
    else r.skip(tag & 7);
  }
  return attributes;
}

function scopeLogs(
  r: ProtoReader,
  org: string,
  resource: ReturnType<typeof resourceFields>,
  logs: object[],
  maxLogs: number,
): void {
  const start = r.pos;
  let scopeName = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) scopeName = scopeNameOf(r.message());
    else r.skip(tag & 7);
  }
  r.pos = start;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LEN)) {
      if (logs.length >= maxLogs) throw new TooManyRecords();
      logs.push(toLog(org, resource, scopeName, logRecord(r.message())));
    } else r.skip(tag & 7);
  }
}

function scopeNameOf(r: ProtoReader): string {
  let name = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) name = r.string();
    else r.skip(tag & 7);
  }
  return name;
}

function logRecord(r: ProtoReader): RecordParts {
  const p = emptyRecord();
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | FIXED64:
        p.timeMs = r.fixed64Millis();
        break;
      case (11 << 3) | FIXED64:
        p.observedMs = r.fixed64Millis();
        break;
      case (2 << 3) | VARINT:
        p.severityNumber = r.varint();
        break;
      case (3 << 3) | LEN:
        p.severityText = r.string();
        break;
      case (5 << 3) | LEN:
        p.body = anyValue(r.message(), 0);
        break;
      case (6 << 3) | LEN:
        p.attributes.push(keyValue(r.message(), 0));
        break;
      case (9 << 3) | LEN:
        p.traceId = r.bytes().toString('hex');
        break;
      case (10 << 3) | LEN:
        p.spanId = r.bytes().toString('hex');
        break;
      case (12 << 3) | LEN:
        p.eventName = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return p;
}

function keyValue(r: ProtoReader, depth: number): readonly [string, AnyValue] {
  let key = '';
  let value: AnyValue = null;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) key = r.string();
    else if (tag === ((2 << 3) | LEN)) value = anyValue(r.message(), depth);
    else r.skip(tag & 7);
  }
  return [key, value];
}

function anyValue(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new MalformedProtobuf(`values nested deeper than ${MAX_VALUE_DEPTH}`);
  let value: AnyValue = null;
  while (r.more()) {
    const tag = r.tag();
    switch (tag) {
      case (1 << 3) | LEN:
        value = r.string();
        break;
      case (2 << 3) | VARINT:
        value = r.varint() !== 0;
        break;
      case (3 << 3) | VARINT: {
        const text = r.int64Text();
        const n = Number(text);
        value = Number.isSafeInteger(n) ? n : text;
        break;
      }
      case (4 << 3) | FIXED64:
        value = r.double();
        break;
      case (5 << 3) | LEN:
        value = arrayValue(r.message(), depth + 1);
        break;
      case (6 << 3) | LEN:
        value = kvlistValue(r.message(), depth + 1);
        break;
      case (7 << 3) | LEN:
        value = r.bytes().toString('base64');
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return value;
}

function arrayValue(r: ProtoReader, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) values.push(anyValue(r.message(), depth));
    else r.skip(tag & 7);
  }
  return values;
}

function kvlistValue(r: ProtoReader, depth: number): { [key: string]: AnyValue } {
  // No prototype: a key named __proto__ is a key like any other.
  const map = Object.create(null) as { [key: string]: AnyValue };
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) {
      const [key, value] = keyValue(r.message(), depth);
      map[key] = value;
    } else r.skip(tag & 7);
  }
  return map;
}
