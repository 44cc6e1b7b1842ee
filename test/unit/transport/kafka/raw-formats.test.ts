import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecord } from '../../../../src/model/log.ts';
import type { KafkaMessage } from '../../../../src/transport/kafka/client/index.ts';
import { serdes } from '../../../../src/transport/kafka/connect.ts';
import { decodeRawRecord } from '../../../../src/transport/kafka/raw-formats.ts';

const avro = serdes.logRecord();

function record(
  value: Buffer | string,
  key: string | null = null,
  headers: Record<string, string> = {},
): KafkaMessage {
  return {
    topic: 'logs.raw',
    partition: 0,
    offset: 7n,
    key: key === null ? null : Buffer.from(key),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
    timestamp: 0n,
  };
}

/** What the OpenTelemetry Collector's Kafka exporter writes: one ExportLogsServiceRequest. */
async function otlpRecords() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'cart', 'host.name': 'node-2' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('lib');
  logger.emit({ severityNumber: SeverityNumber.ERROR, body: 'Cart 12 lost', timestamp: 1_700_000_000_123 });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: 'Cart 13 saved', timestamp: 1_700_000_000_124 });
  await provider.forceFlush();
  return exporter.getFinishedLogRecords();
}

describe('what a direct producer may write to logs.raw', () => {
  it('reads our Avro record, by its marker or its content-type', () => {
    const log: LogRecord = {
      timestamp: 1,
      org: 'acme',
      dashboard: '',
      service: 's',
      host: '',
      level: 'INFO',
      message: 'hello',
      metadata: {},
    };
    const { value } = avro.encode(log);
    assert.equal((decodeRawRecord(record(value!), avro)[0] as LogRecord).message, 'hello');
    const typed = record(value!, null, { 'content-type': avro.contentType });
    assert.equal((decodeRawRecord(typed, avro)[0] as LogRecord).org, 'acme');
  });

  it('reads a JSON log object, the org from the value, else from the key', () => {
    assert.deepEqual(decodeRawRecord(record('{"org":"beta","message":"m"}', 'acme'), avro), [
      { org: 'beta', message: 'm' },
    ]);
    assert.deepEqual(decodeRawRecord(record(' {"message":"m","level":"warn"}', 'acme'), avro), [
      { message: 'm', level: 'warn', org: 'acme' },
    ]);
  });

  it('reads OTLP protobuf and OTLP JSON as the Collector writes them, the org from the key or the X-Scope-OrgID header', async () => {
    const records = await otlpRecords();
    const proto = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
    const logs = decodeRawRecord(record(proto, 'shop'), avro) as Array<Record<string, unknown>>;
    assert.deepEqual(
      logs.map((l) => [l['org'], l['message'], l['level'], l['service'], l['host'], l['timestamp']]),
      [
        ['shop', 'Cart 12 lost', 'ERROR', 'cart', 'node-2', 1_700_000_000_123],
        ['shop', 'Cart 13 saved', 'INFO', 'cart', 'node-2', 1_700_000_000_124],
      ],
    );
    const json = Buffer.from(JsonLogsSerializer.serializeRequest(records)!);
    const fromJson = decodeRawRecord(record(json, null, { 'X-Scope-OrgID': 'shop' }), avro);
    assert.deepEqual(
      fromJson.map((l) => (l as Record<string, unknown>)['message']),
      ['Cart 12 lost', 'Cart 13 saved'],
    );
    assert.throws(() => decodeRawRecord(record(proto), avro), /names no org: set the record key/);
  });

  it('refuses, with the reason, what is none of them: never guessed at', () => {
    const cases: Array<[KafkaMessage, RegExp]> = [
      [
        record('plain text line'),
        /not an Avro single-object record, a JSON object or OTLP protobuf \(first byte 0x70\)/,
      ],
      [record('{"message": '), /not JSON/],
      [record('[{"message":"m"}]'), /first byte 0x5b/],
      [record('"just a string"'), /first byte 0x22/],
      [
        record('{"message":"m"}', null, { 'content-type': 'text/plain' }),
        /content-type "text\/plain" is not/,
      ],
      [record(Buffer.from([0x0a, 0x09, 0x01]), 'acme'), /OTLP protobuf: length past the end/],
      [record(Buffer.from([0x7b, 0xff, 0x7d])), /not UTF-8/],
      [{ ...record('x'), value: null }, /tombstone/],
    ];
    for (const [m, reason] of cases) assert.throws(() => decodeRawRecord(m, avro), reason);
  });
});
