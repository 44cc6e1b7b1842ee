import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import protobuf from 'protobufjs';
import { freePort } from '../../helpers/process.ts';
import { startTestService, storedInOrder, type TestService } from '../../helpers/service.ts';

interface StoredLog {
  timestamp: string;
  message: string;
  level: string;
  service: string;
  host: string;
  metadata: Record<string, string>;
}

/** google.rpc.Status, to read the protobuf answers as a client library would. */
const Status = protobuf.parse(`syntax = "proto3";
message Status { int32 code = 1; string message = 2; }
message PartialSuccess { int64 rejected_log_records = 1; string error_message = 2; }
message ExportLogsServiceResponse { PartialSuccess partial_success = 1; }`).root;

/** One length-delimited protobuf field: its tag byte, the length as a varint, the bytes. */
function field(tag: number, bytes: Buffer): Buffer {
  const length: number[] = [];
  let n = bytes.length;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  length.push(n);
  return Buffer.concat([Buffer.from([tag, ...length]), bytes]);
}

const AT = Date.UTC(2026, 11, 7, 9, 30, 0, 123);

/** Sends through the OpenTelemetry JS SDK and its OTLP exporter, as an instrumented service does. */
async function emitWithSdk(exporter: LogRecordExporter): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'host.name': 'web-1',
      'deployment.environment': 'prod',
    }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('payments-lib');
  logger.emit({
    timestamp: AT,
    severityNumber: SeverityNumber.WARN,
    body: 'Payment 42 declined',
    attributes: { 'user.id': 'u7', retry: 3, 'feature.on': true },
  });
  // No severity text: the level comes from the number.
  logger.emit({
    timestamp: AT + 1,
    severityNumber: SeverityNumber.ERROR2,
    body: { order: 7, items: ['a', 'b'] },
  });
  await provider.forceFlush();
  await provider.shutdown();
}

describe('OTLP/HTTP logs: POST /v1/logs', { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(async () => t.destroy());

  const stored = (org: string) => storedInOrder<StoredLog>(t, org);
  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${t.url}/v1/logs`, { method: 'POST', body, headers });

  for (const [name, makeExporter] of [
    [
      'protobuf',
      (org: string) => new ProtoExporter({ url: `${t.url}/v1/logs`, headers: { 'X-Scope-OrgID': org } }),
    ],
    [
      'JSON',
      (org: string) => new JsonExporter({ url: `${t.url}/v1/logs`, headers: { 'X-Scope-OrgID': org } }),
    ],
  ] as const) {
    it(`stores what the OpenTelemetry SDK's ${name} exporter sends, fields mapped`, async () => {
      const org = `otel-${name === 'JSON' ? 'json' : 'proto'}`;
      await emitWithSdk(makeExporter(org));
      const logs = await stored(org);
      assert.equal(logs.length, 2);
      const [warn, error] = logs as [StoredLog, StoredLog];
      assert.equal(warn.timestamp, new Date(AT).toISOString());
      assert.equal(warn.message, 'Payment 42 declined');
      assert.equal(warn.level, 'WARN');
      assert.equal(warn.service, 'checkout');
      assert.equal(warn.host, 'web-1');
      assert.equal(warn.metadata['user.id'], 'u7');
      assert.equal(warn.metadata['retry'], '3');
      assert.equal(warn.metadata['feature.on'], 'true');
      assert.equal(warn.metadata['deployment.environment'], 'prod');
      assert.equal(warn.metadata['otel.scope.name'], 'payments-lib');
      assert.equal(warn.metadata['service.name'], undefined, 'service.name is the service column');
      assert.equal(error.level, 'ERROR');
      assert.deepEqual(JSON.parse(error.message), { order: 7, items: ['a', 'b'] });
    });
  }

  it('answers partial_success for refused records and stores only the others (JSON, gzip)', async () => {
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: String(BigInt(AT) * 1_000_000n + 789n),
                  severityText: 'info',
                  body: { stringValue: 'User 9 logged in' },
                  traceId: '5B8EFFF798038103D269B633813FC60C',
                  spanId: 'eee19b7ec3c1b174',
                },
                { timeUnixNano: '1581452773000000789', body: {} },
                { observedTimeUnixNano: AT * 1e6, body: { intValue: '12345678901234567890' } },
              ],
            },
          ],
        },
      ],
    };
    const res = await post(gzipSync(JSON.stringify(body)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-scope-orgid': 'partial',
    });
    assert.equal(res.status, 200);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    assert.equal(answer.partialSuccess.rejectedLogRecords, '1');
    assert.match(answer.partialSuccess.errorMessage, /logRecords\[1\]\.message: EMPTY_FIELD/);
    const logs = await stored('partial');
    assert.deepEqual(
      logs.map((l) => [l.message, l.level, l.service, l.metadata['trace_id'], l.timestamp]),
      [
        ['12345678901234567890', 'INFO', 'api', undefined, new Date(AT).toISOString()],
        ['User 9 logged in', 'INFO', 'api', '5b8efff798038103d269b633813fc60c', new Date(AT).toISOString()],
      ],
    );
  });

  it('refuses a request without an org with a google.rpc.Status in its encoding, and stores nothing', async () => {
    const json = await post('{"resourceLogs":[]}', { 'content-type': 'application/json' });
    assert.equal(json.status, 400);
    const status = (await json.json()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /MISSING_ORG: the X-Scope-OrgID header is required/);

    const proto = await post(Buffer.from([0x0a, 0x00]), { 'content-type': 'application/x-protobuf' });
    assert.equal(proto.status, 400);
    assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
    const decoded = Status.lookupType('Status')
      .decode(Buffer.from(await proto.arrayBuffer()))
      .toJSON();
    assert.equal(decoded['code'], 3);
    assert.match(String(decoded['message']), /MISSING_ORG/);
  });

  it('refuses a body that is not an ExportLogsServiceRequest (400), another media type (415), and too many records (413)', async () => {
    const headers = { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'bad' };
    // A length that runs past the end of the body.
    const truncated = await post(Buffer.from([0x0a, 0x05, 0x12, 0x03]), headers);
    assert.equal(truncated.status, 400);
    const status = Status.lookupType('Status')
      .decode(Buffer.from(await truncated.arrayBuffer()))
      .toJSON();
    assert.match(String(status['message']), /MALFORMED_OTLP: .*past the end/);
    // Values nested deeper than any real one: refused, not recursed into.
    let value = field(0x0a, Buffer.from('x'));
    for (let i = 0; i < 40; i++) value = field(0x2a, field(0x0a, value));
    const deep = field(0x0a, field(0x12, field(0x12, field(0x2a, value))));
    const nested = await post(deep, headers);
    assert.equal(nested.status, 400);
    const why = Status.lookupType('Status')
      .decode(Buffer.from(await nested.arrayBuffer()))
      .toJSON();
    assert.match(String(why['message']), /nested deeper than 16/);
    const notJson = await post('{"resourceLogs": [', {
      'content-type': 'application/json',
      'x-scope-orgid': 'bad',
    });
    assert.equal(notJson.status, 400);
    assert.match(
      ((await notJson.json()) as { message: string }).message,
      /MALFORMED_OTLP: the body is not JSON/,
    );
    const text = await post('hello', { 'content-type': 'text/plain', 'x-scope-orgid': 'bad' });
    assert.equal(text.status, 415);
    const many = {
      resourceLogs: [
        {
          scopeLogs: [{ logRecords: Array.from({ length: 10_001 }, () => ({ body: { stringValue: 'x' } })) }],
        },
      ],
    };
    const tooMany = await post(JSON.stringify(many), {
      'content-type': 'application/json',
      'x-scope-orgid': 'bad',
    });
    assert.equal(tooMany.status, 413);
    assert.match(((await tooMany.json()) as { message: string }).message, /TOO_MANY_LOGS/);
    assert.deepEqual(await stored('bad'), []);
  });
});

const ACME = 'acme-writer-key-0123456789';
const TWO = 'two-orgs-writer-key-0123456789';

describe('OTLP/HTTP as an attacker sends it', { timeout: 60_000 }, () => {
  let t: TestService;
  let port: number;
  before(async () => {
    port = await freePort();
    t = await startTestService({ OTLP_HTTP_PORT: String(port), INGEST_REQUEST_TIMEOUT_SECS: '1' });
  });
  after(async () => t.destroy());

  const stored = async (org: string) =>
    ((await (await fetch(`${t.url}/logs?org=${org}`)).json()) as { logs: unknown[] }).logs.length;

  it('a string that is not UTF-8 makes the body malformed (400), nothing stored', async () => {
    // body.string_value of one record holds the bytes ff fe.
    const body = field(0x0a, field(0x12, field(0x12, field(0x2a, field(0x0a, Buffer.from([0xff, 0xfe]))))));
    const res = await fetch(`${t.url}/v1/logs`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': 'attack' },
    });
    assert.equal(res.status, 400);
    const status = Status.lookupType('Status')
      .decode(Buffer.from(await res.arrayBuffer()))
      .toJSON();
    assert.match(String(status['message']), /MALFORMED_OTLP: .*not valid UTF-8/);
    await t.flush();
    assert.equal(await stored('attack'), 0);
  });

  it('a gzip bomb stops at the body limit (413), nothing stored', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const res = await fetch(`${t.url}/v1/logs`, {
      method: 'POST',
      body: bomb,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-scope-orgid': 'attack' },
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: number }).code, 3);
    await t.flush();
    assert.equal(await stored('attack'), 0);
  });

  it('a body that never finishes on the OTLP port is cut at the request timeout', async () => {
    const { connect } = await import('node:net');
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Scope-OrgID: attack\r\nContent-Length: 1000\r\n\r\n{"resourceLogs"',
    );
    const started = Date.now();
    await closed;
    assert.ok(
      Date.now() - started < 10_000,
      'closed within the request timeout (1 s) and its check interval',
    );
    assert.match(answer, /^HTTP\/1\.1 408/);
  });
});

describe('OTLP/HTTP logs with API keys', { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({ INGEST_API_KEYS: `${ACME}:acme:write+read;${TWO}:acme,beta:write+read` });
  });
  after(async () => t.destroy());

  it('a key for one org needs no header; a header outside the key is 403; a key of two orgs needs one', async () => {
    const body = JSON.stringify({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'Disk 3 full' } }] }] }],
    });
    const post = (key: string, headers: Record<string, string> = {}) =>
      fetch(`${t.url}/v1/logs`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      });
    assert.equal((await post(ACME)).status, 200);
    const foreign = await post(ACME, { 'x-scope-orgid': 'beta' });
    assert.equal(foreign.status, 403);
    assert.equal(((await foreign.json()) as { code: number }).code, 7);
    assert.equal((await post(TWO)).status, 400);
    assert.equal((await post(TWO, { 'x-scope-orgid': 'beta' })).status, 200);
    const unknown = await post('not-a-key-of-this-service');
    assert.equal(unknown.status, 401);
    assert.equal(((await unknown.json()) as { code: number }).code, 16);

    await t.flush();
    const read = async (org: string) =>
      (
        (await (
          await fetch(`${t.url}/logs?org=${org}`, { headers: { authorization: `Bearer ${TWO}` } })
        ).json()) as { logs: StoredLog[] }
      ).logs.map((l) => l.message);
    assert.deepEqual(await read('acme'), ['Disk 3 full']);
    assert.deepEqual(await read('beta'), ['Disk 3 full']);
  });
});

describe('OTLP/HTTP on its standard port (OTLP_HTTP_PORT)', { timeout: 60_000 }, () => {
  let t: TestService;
  let port: number;
  before(async () => {
    port = await freePort();
    t = await startTestService({ OTLP_HTTP_PORT: String(port) });
  });
  after(async () => t.destroy());

  it('takes what an SDK exporter sends to host:port/v1/logs there, and serves nothing else', async () => {
    await emitWithSdk(
      new ProtoExporter({
        url: `http://127.0.0.1:${port}/v1/logs`,
        headers: { 'X-Scope-OrgID': 'std-port' },
      }),
    );
    await t.flush();
    const res = await fetch(`${t.url}/logs?org=std-port`);
    assert.deepEqual(((await res.json()) as { logs: StoredLog[] }).logs.map((l) => l.message).sort(), [
      'Payment 42 declined',
      '{"order":7,"items":["a","b"]}',
    ]);
    const other = await fetch(`http://127.0.0.1:${port}/logs?org=std-port`);
    assert.equal(other.status, 404);
    assert.match(((await other.json()) as { message: string }).message, /POST \/v1\/logs only/);
  });
});
