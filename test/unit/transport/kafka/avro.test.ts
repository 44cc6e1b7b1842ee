import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type avro from 'avsc';
import { AvroCodec, SCHEMA_DIR, UndecodableError } from '../../../../src/transport/kafka/avro/codec.ts';
import { crc64Avro } from '../../../../src/transport/kafka/avro/fingerprint.ts';
import type { LogRecord, StoredLog } from '../../../../src/model/log.ts';
import type { Template } from '../../../../src/model/template.ts';

const log: LogRecord = {
  timestamp: Date.UTC(2025, 0, 15, 10, 30, 45, 123),
  org: 'acme',
  dashboard: 'production',
  service: 'api',
  host: 'web-01',
  level: 'ERROR',
  message: 'Connection timeout after 30s \t "quoted" ünïcode',
  metadata: { request_id: 'req_123' },
  id: '17293822569102704642',
};

describe('CRC-64-AVRO', () => {
  it('matches the Avro specification test vector for "null"', () => {
    // From the Avro project's schema fingerprint tests: "null" → 7195948357588979594.
    assert.equal(crc64Avro(Buffer.from('"null"')), 7195948357588979594n);
  });
});

describe('AvroCodec', () => {
  it('round-trips each shipped schema in the single-object encoding', () => {
    const logs = AvroCodec.load<LogRecord>('log-record');
    const encoded = logs.encode(log);
    assert.deepEqual([encoded[0], encoded[1]], [0xc3, 0x01]);
    assert.deepEqual(encoded.subarray(2, 10), logs.fingerprint);
    assert.deepEqual({ ...logs.decode(encoded) }, log);

    const stored = AvroCodec.load<StoredLog>('stored-log');
    const row: StoredLog = { ...log, templateId: 4053224523883714, variables: ['30'], untemplatedReason: '' };
    assert.deepEqual({ ...stored.decode(stored.encode(row)) }, row);

    const templates = AvroCodec.load<Template>('template');
    const template: Template = {
      id: 9882045267169,
      org: 'acme',
      text: 'Connection timeout after <*>s',
      source: 'builtin',
      shapes: '1-1/1',
      createdAt: 1,
      updatedAt: 2,
    };
    assert.deepEqual({ ...templates.decode(templates.encode(template)) }, template);
    // A template from before shapes (no field) reads back unconstrained.
    const older: Template = { ...template };
    delete older.shapes;
    assert.equal(templates.decode(templates.encode(older)).shapes, '');
  });

  it('reads a message written with an older schema version into the newest shape', () => {
    const v1 = {
      type: 'record' as const,
      name: 'Thing',
      fields: [{ name: 'name', type: 'string' }],
    };
    const v2 = {
      type: 'record' as const,
      name: 'Thing',
      fields: [
        { name: 'name', type: 'string' },
        { name: 'colour', type: 'string', default: 'red' },
      ],
    };
    const old = AvroCodec.fromSchemas<{ name: string }>('thing', [v1]);
    const current = AvroCodec.fromSchemas<{ name: string; colour: string }>('thing', [v1, v2]);
    assert.equal(current.version, 2);
    assert.deepEqual({ ...current.decode(old.encode({ name: 'box' })) }, { name: 'box', colour: 'red' });
  });

  it('reads a log-record v1 message (a direct producer not yet upgraded) with an empty id', () => {
    const v1 = AvroCodec.fromSchemas<LogRecord>('log-record', [
      JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'log-record.v1.avsc'), 'utf8')) as avro.Schema,
    ]);
    const withoutId: LogRecord = { ...log };
    delete withoutId.id;
    const current = AvroCodec.load<LogRecord>('log-record');
    assert.equal(current.version, 2);
    assert.deepEqual({ ...current.decode(v1.encode(withoutId)) }, { ...withoutId, id: '' });
  });

  it('names why a message cannot be decoded', () => {
    const logs = AvroCodec.load<LogRecord>('log-record');
    const cases: Array<[string, Buffer, RegExp]> = [
      ['not Avro', Buffer.from('{"org":"acme"}'), /bad magic/],
      [
        'unknown schema',
        Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.alloc(8, 7), Buffer.from([0])]),
        /unknown writer schema/,
      ],
      ['truncated body', logs.encode(log).subarray(0, 14), /log-record v2/],
    ];
    for (const [name, message, reason] of cases) {
      assert.throws(
        () => logs.decode(message),
        (err: unknown) =>
          err instanceof UndecodableError && err.code === 'UNDECODABLE' && reason.test(err.message),
        name,
      );
    }
  });

  it('refuses to encode a value that does not fit the schema', () => {
    const logs = AvroCodec.load<LogRecord>('log-record');
    assert.throws(() => logs.encode({ ...log, org: 7 as unknown as string }), /UNENCODABLE|log-record/);
  });
});
