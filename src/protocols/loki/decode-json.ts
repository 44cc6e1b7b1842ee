/**
 * Loki's PushRequest in JSON, as POST /loki/api/v1/push takes it:
 * `{"streams": [{"stream": {"app": "api"}, "values": [["<ns>", "line"], ["<ns>", "line", {"trace_id": "…"}]]}]}`.
 * As Loki's decoder reads it: a timestamp is a string of int64 nanoseconds, a line a string,
 * structured metadata an object of strings; anything else refuses the whole request. Unknown
 * fields are ignored.
 */
import { TooManyEntries, type DecodedPush } from './decode-proto.ts';
import {
  MalformedPush,
  MAX_STRUCTURED_METADATA,
  streamFields,
  toLog,
  tooMuchStructuredMetadata,
} from './fields.ts';
import { LabelSetError, MAX_LABELS, type LabelPairs } from './label-set.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const INT64_MAX = '9223372036854775807';

export function decodeLokiJson(body: unknown, org: string, maxLogs: number): DecodedPush {
  if (!isObject(body)) throw new MalformedPush('the body must be a PushRequest object: {"streams": [...]}');
  const streams = body['streams'] ?? [];
  if (!Array.isArray(streams)) throw new MalformedPush('streams must be an array');
  const push: DecodedPush = { logs: [], streams: [], streamCount: streams.length };
  for (let s = 0; s < streams.length; s++) {
    const stream: unknown = streams[s];
    if (!isObject(stream)) throw new MalformedPush(`streams[${s}] must be an object`);
    const pairs = labelPairs(stream['stream'], s);
    const values = stream['values'] ?? [];
    if (!Array.isArray(values)) throw new MalformedPush(`streams[${s}].values must be an array`);
    if (values.length === 0) continue;
    const fields = streamFields(pairs);
    push.streams.push({ labels: labelText(pairs), first: push.logs.length });
    for (let e = 0; e < values.length; e++) {
      if (push.logs.length >= maxLogs) throw new TooManyEntries();
      const entry: unknown = values[e];
      const where = `streams[${s}].values[${e}]`;
      if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) {
        throw new MalformedPush(
          `${where} must be [timestamp, line] or [timestamp, line, structured metadata]`,
        );
      }
      const [ts, line, metadata] = entry as [unknown, unknown, unknown];
      if (typeof line !== 'string') throw new MalformedPush(`${where}[1], the line, must be a string`);
      push.logs.push(toLog(org, fields, nanosToMillis(ts, where), line, structured(metadata, where)));
    }
  }
  return push;
}

/** A decimal int64 of nanoseconds, as a string, in epoch milliseconds (floor). */
function nanosToMillis(ts: unknown, where: string): number {
  if (typeof ts !== 'string' || !/^-?\d{1,19}$/.test(ts) || (ts.length === 19 && ts > INT64_MAX)) {
    throw new MalformedPush(
      `${where}[0], the timestamp, must be a string of int64 nanoseconds since the epoch`,
    );
  }
  const ns = BigInt(ts);
  // BigInt division truncates toward zero; a time before 1970 rounds down like any other.
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
  return Number(ms);
}

function labelPairs(v: unknown, s: number): LabelPairs {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) throw new MalformedPush(`streams[${s}].stream, the labels, must be an object of strings`);
  const pairs: LabelPairs = [];
  let count = 0;
  for (const name in v) {
    if (++count > MAX_LABELS)
      throw new LabelSetError(`streams[${s}].stream has more than ${MAX_LABELS} labels`);
    const value = v[name];
    if (typeof value !== 'string')
      throw new MalformedPush(`streams[${s}].stream.${name.slice(0, 64)} must be a string`);
    if (name === '') throw new LabelSetError(`streams[${s}].stream has an empty label name`);
    if (value !== '') pairs.push([name, value]);
  }
  return pairs;
}

/** The label-set text of a JSON stream, to name it in an answer. */
function labelText(pairs: LabelPairs): string {
  return `{${pairs.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ')}}`;
}

function structured(v: unknown, where: string): LabelPairs | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v))
    throw new MalformedPush(`${where}[2], the structured metadata, must be an object of strings`);
  const pairs: LabelPairs = [];
  for (const name in v) {
    if (pairs.length >= MAX_STRUCTURED_METADATA) throw tooMuchStructuredMetadata();
    const value = v[name];
    if (typeof value !== 'string')
      throw new MalformedPush(`${where}[2].${name.slice(0, 64)} must be a string`);
    pairs.push([name, value]);
  }
  return pairs;
}
