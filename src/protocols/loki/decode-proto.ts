/**
 * Loki's PushRequest in the protobuf encoding (pkg/push/push.proto: PushRequest.streams = 1;
 * StreamAdapter labels = 1, entries = 2, hash = 3; EntryAdapter timestamp = 1 as a
 * google.protobuf.Timestamp, line = 2, structuredMetadata = 3 of LabelPairAdapter name = 1,
 * value = 2), walked field by field into our logs. Unknown fields (format, hash, parsed) are
 * skipped.
 */
import { LEN, MalformedProtobuf, ProtoReader, VARINT } from '../protobuf.ts';
import {
  MAX_STRUCTURED_METADATA,
  streamFields,
  toLog,
  tooMuchStructuredMetadata,
  type StreamFields,
} from './fields.ts';
import { parseLabelSet, type LabelPairs } from './label-set.ts';

/** Stops decoding past `maxLogs` entries: the caller refuses the request (413). */
export class TooManyEntries extends Error {}

/** A stream that had entries: its label text and the index of its first entry in `logs`. */
export interface DecodedStream {
  labels: string;
  first: number;
}

export interface DecodedPush {
  logs: object[];
  streams: DecodedStream[];
  /** How many streams the request held, with entries or not (none: Loki answers 422). */
  streamCount: number;
}

export function decodeLokiProto(body: Buffer, org: string, maxLogs: number): DecodedPush {
  const push: DecodedPush = { logs: [], streams: [], streamCount: 0 };
  const request = new ProtoReader(body);
  while (request.more()) {
    const tag = request.tag();
    if (tag === ((1 << 3) | LEN)) {
      push.streamCount++;
      stream(request.message(), org, push, maxLogs);
    } else request.skip(tag & 7);
  }
  return push;
}

function stream(r: ProtoReader, org: string, push: DecodedPush, maxLogs: number): void {
  // The labels may come after the entries on the wire: read them first.
  const start = r.pos;
  let labels = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) labels = r.string();
    else r.skip(tag & 7);
  }
  const fields = streamFields(parseLabelSet(labels));
  const first = push.logs.length;
  r.pos = start;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((2 << 3) | LEN)) {
      if (push.logs.length >= maxLogs) throw new TooManyEntries();
      push.logs.push(entry(r.message(), org, fields));
    } else r.skip(tag & 7);
  }
  if (push.logs.length > first) push.streams.push({ labels, first });
}

function entry(r: ProtoReader, org: string, fields: StreamFields): object {
  let timestampMs = 0;
  let line = '';
  let structured: LabelPairs | undefined;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) timestampMs = timestamp(r.message());
    else if (tag === ((2 << 3) | LEN)) line = r.string();
    else if (tag === ((3 << 3) | LEN)) {
      structured ??= [];
      if (structured.length >= MAX_STRUCTURED_METADATA) throw tooMuchStructuredMetadata();
      structured.push(labelPair(r.message()));
    } else r.skip(tag & 7);
  }
  return toLog(org, fields, timestampMs, line, structured);
}

/** google.protobuf.Timestamp as epoch milliseconds (floor); nanos outside [0, 1e9) are malformed, as in Go's. */
function timestamp(r: ProtoReader): number {
  let seconds = 0;
  let nanos = 0;
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | VARINT)) seconds = Number(r.int64Text());
    else if (tag === ((2 << 3) | VARINT)) nanos = r.varint();
    else r.skip(tag & 7);
  }
  if (nanos >= 1e9) throw new MalformedProtobuf('a timestamp has nanos outside [0, 999999999]');
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

function labelPair(r: ProtoReader): readonly [string, string] {
  let name = '';
  let value = '';
  while (r.more()) {
    const tag = r.tag();
    if (tag === ((1 << 3) | LEN)) name = r.string();
    else if (tag === ((2 << 3) | LEN)) value = r.string();
    else r.skip(tag & 7);
  }
  return [name, value];
}
