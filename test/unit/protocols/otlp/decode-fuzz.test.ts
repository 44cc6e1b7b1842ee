import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { BadRequestError } from '../../../../src/errors.ts';
import { MalformedProtobuf } from '../../../../src/protocols/protobuf.ts';
import { decodeOtlpJson } from '../../../../src/protocols/otlp/decode-json.ts';
import { decodeOtlpProto, TooManyRecords } from '../../../../src/protocols/otlp/decode-proto.ts';

// The messages of opentelemetry-proto the decoder reads, to make valid bodies to mutate.
const root = protobuf.parse(`syntax = "proto3";
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
  double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; }
message LogRecord { fixed64 time_unix_nano = 1; int32 severity_number = 2; string severity_text = 3;
  AnyValue body = 5; repeated KeyValue attributes = 6; bytes trace_id = 9; bytes span_id = 10; fixed64 observed_time_unix_nano = 11; }
message ScopeLogs { Scope scope = 1; repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }`).root;
const Request = root.lookupType('ExportLogsServiceRequest');

const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ stringValue: fc.string() }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.integer() }),
    fc.record({ doubleValue: fc.double({ noNaN: true }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
  ),
}));
const keyValue = fc.record({ key: fc.string({ maxLength: 20 }), value: anyValue.value });
const logRecord = fc.record(
  {
    timeUnixNano: fc.integer({ min: 0, max: 2 ** 52 }),
    severityNumber: fc.integer({ min: -5, max: 40 }),
    severityText: fc.string({ maxLength: 10 }),
    body: anyValue.value,
    attributes: fc.array(keyValue, { maxLength: 4 }),
    traceId: fc.uint8Array({ maxLength: 16 }),
  },
  { requiredKeys: [] },
);
const request = fc.record({
  resourceLogs: fc.array(
    fc.record({
      resource: fc.record({ attributes: fc.array(keyValue, { maxLength: 4 }) }),
      scopeLogs: fc.array(
        fc.record({
          scope: fc.record({ name: fc.string() }),
          logRecords: fc.array(logRecord, { maxLength: 5 }),
        }),
        { maxLength: 3 },
      ),
    }),
    { maxLength: 3 },
  ),
});

/** A valid body with bytes overwritten, cut or inserted at random places. */
const mutated = fc
  .tuple(
    request,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([body, edits]) => {
    let bytes = Buffer.from(Request.encode(Request.fromObject(body)).finish());
    for (const [at, byte, how] of edits) {
      if (bytes.length === 0) break;
      const i = at % bytes.length;
      if (how === 'set') bytes[i] = byte;
      else if (how === 'cut') bytes = bytes.subarray(0, i);
      else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
    }
    return bytes;
  });

/** What a decoder may do with any input: give logs, or refuse it with a client error. */
function decodesOrRefuses(decode: () => object[]): void {
  try {
    const logs = decode();
    for (const log of logs) assert.equal(typeof (log as { message: unknown }).message, 'string');
  } catch (err) {
    assert.ok(
      err instanceof MalformedProtobuf || err instanceof TooManyRecords || err instanceof BadRequestError,
      `an unexpected ${(err as Error).name}: ${(err as Error).message}`,
    );
  }
}

describe('OTLP decoders on generated bodies', () => {
  it('decode every valid protobuf body the reference encoder writes, one log per record', () => {
    fc.assert(
      fc.property(request, (body) => {
        const bytes = Buffer.from(Request.encode(Request.fromObject(body)).finish());
        const records = body.resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)).length;
        assert.equal(decodeOtlpProto(bytes, 'acme', 10_000).length, records);
      }),
      { numRuns: 1000, seed: 20261207 },
    );
  });

  it('give logs or refuse with MALFORMED, never another error, for mutated and random bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutated,
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        ),
        (bytes) => decodesOrRefuses(() => decodeOtlpProto(bytes, 'acme', 50)),
      ),
      { numRuns: 2000, seed: 20261208 },
    );
  });

  it('give logs or refuse for any JSON value', () => {
    fc.assert(
      fc.property(fc.oneof(request, fc.jsonValue()), (body) =>
        decodesOrRefuses(() => decodeOtlpJson(body, 'acme', 50)),
      ),
      { numRuns: 1000, seed: 20261209 },
    );
  });
});
