/**
 * ExportLogsServiceRequest in the OTLP/JSON encoding (the protobuf JSON mapping with OTLP's
 * rules: lowerCamelCase keys, enums as integers, int64 as a decimal string or a number, trace
 * and span ids in hex, unknown fields ignored) into our logs.
 */
import { BadRequestError } from '../../errors.ts';
import { TooManyRecords } from './decode-proto.ts';
import {
  emptyRecord,
  MAX_VALUE_DEPTH,
  resourceFields,
  toLog,
  type AnyValue,
  type RecordParts,
} from './fields.ts';

type Json = Record<string, unknown>;

function malformed(message: string): BadRequestError {
  return new BadRequestError('MALFORMED_OTLP', message);
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function decodeOtlpJson(body: unknown, org: string, maxLogs: number): object[] {
  if (!isObject(body)) throw malformed('the body must be an ExportLogsServiceRequest object');
  const logs: object[] = [];
  for (const rl of list(body['resourceLogs'])) {
    if (!isObject(rl)) continue;
    const resource = resourceFields(
      isObject(rl['resource']) ? keyValues(rl['resource']['attributes'], 0) : [],
    );
    for (const sl of list(rl['scopeLogs'])) {
      if (!isObject(sl)) continue;
      const scope = sl['scope'];
      const scopeName = isObject(scope) && typeof scope['name'] === 'string' ? scope['name'] : '';
      for (const record of list(sl['logRecords'])) {
        if (logs.length >= maxLogs) throw new TooManyRecords();
        logs.push(toLog(org, resource, scopeName, logRecord(isObject(record) ? record : {})));
      }
    }
  }
  return logs;
}

/** Nanoseconds (a decimal string or a number) as epoch milliseconds; 0 when absent. */
function nanosToMillis(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v / 1e6);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return Number(BigInt(v) / 1_000_000n);
  if (v === undefined || v === null || v === 0 || v === '0') return 0;
  throw malformed(`a time must be nanoseconds since the epoch, got ${JSON.stringify(v).slice(0, 40)}`);
}

function logRecord(r: Json): RecordParts {
  const p = emptyRecord();
  p.timeMs = nanosToMillis(r['timeUnixNano']);
  p.observedMs = nanosToMillis(r['observedTimeUnixNano']);
  const severity = r['severityNumber'];
  if (typeof severity === 'number') p.severityNumber = severity;
  if (typeof r['severityText'] === 'string') p.severityText = r['severityText'];
  if (r['body'] !== undefined) p.body = anyValue(r['body'], 0);
  p.attributes = keyValues(r['attributes'], 0);
  if (typeof r['traceId'] === 'string') p.traceId = r['traceId'].toLowerCase();
  if (typeof r['spanId'] === 'string') p.spanId = r['spanId'].toLowerCase();
  if (typeof r['eventName'] === 'string') p.eventName = r['eventName'];
  return p;
}

function keyValues(v: unknown, depth: number): Array<readonly [string, AnyValue]> {
  const out: Array<readonly [string, AnyValue]> = [];
  for (const kv of list(v)) {
    if (!isObject(kv) || typeof kv['key'] !== 'string') continue;
    out.push([kv['key'], anyValue(kv['value'], depth)]);
  }
  return out;
}

function anyValue(v: unknown, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw malformed(`values nested deeper than ${MAX_VALUE_DEPTH}`);
  if (!isObject(v)) return null;
  if (typeof v['stringValue'] === 'string') return v['stringValue'];
  if (typeof v['boolValue'] === 'boolean') return v['boolValue'];
  const int = v['intValue'];
  if (typeof int === 'number') return int;
  if (typeof int === 'string' && /^-?\d{1,20}$/.test(int)) {
    const n = Number(int);
    return Number.isSafeInteger(n) ? n : int;
  }
  const double = v['doubleValue'];
  if (typeof double === 'number') return double;
  // The JSON mapping writes NaN and the infinities as strings.
  if (typeof double === 'string') return double;
  if (isObject(v['arrayValue'])) return list(v['arrayValue']['values']).map((x) => anyValue(x, depth + 1));
  if (isObject(v['kvlistValue'])) {
    const map = Object.create(null) as { [key: string]: AnyValue };
    for (const [key, value] of keyValues(v['kvlistValue']['values'], depth + 1)) map[key] = value;
    return map;
  }
  if (typeof v['bytesValue'] === 'string') return v['bytesValue'];
  return null;
}
