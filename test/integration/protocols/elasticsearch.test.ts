import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { Client, errors } from '@elastic/elasticsearch';
import { startTestService, type TestService } from '../../helpers/service.ts';

interface StoredLog {
  timestamp: string;
  message: string;
  level: string;
  service: string;
  host: string;
  metadata: Record<string, string>;
}

/** Reads and sends for any org. */
const ALL_KEY = 'es-test-all-orgs-0123456789';
/** A shipper's key: one org, write only (it must still pass the handshake). */
const SHIPPER_KEY = 'es-test-shipper-0123456789';
const READ_KEY = 'es-test-read-only-0123456789';
const SHIPPER_ORG = 'es-shipper';
const MAX_LOGS = 100;

const AT = Date.now() - 60_000;

describe('Elasticsearch Bulk API: POST /_bulk', { timeout: 120_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({
      INGEST_API_KEYS: `${ALL_KEY}:*:write+read;${SHIPPER_KEY}:${SHIPPER_ORG}:write;${READ_KEY}:*:read`,
      INGEST_MAX_LOGS_PER_REQUEST: String(MAX_LOGS),
    });
  });
  after(async () => t.destroy());

  const stored = async (org: string): Promise<StoredLog[]> => {
    await t.flush();
    const res = await fetch(`${t.url}/logs?org=${org}&limit=1000`, {
      headers: { authorization: `Bearer ${ALL_KEY}` },
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { logs: StoredLog[] }).logs.sort((a, b) =>
      a.timestamp === b.timestamp
        ? a.message.localeCompare(b.message)
        : a.timestamp.localeCompare(b.timestamp),
    );
  };
  /** The official client, as an application or a shipper library uses it. */
  const client = (org: string | undefined, auth: ConstructorParameters<typeof Client>[0]['auth']) =>
    new Client({
      node: t.url,
      auth,
      ...(org === undefined ? {} : { headers: { 'X-Scope-OrgID': org } }),
      maxRetries: 0,
    });
  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${ALL_KEY}`, 'content-type': 'application/x-ndjson', ...headers },
    });

  it("passes the client's product check: info() with a write-only shipper key", async () => {
    const es = client(undefined, { apiKey: Buffer.from(`id1:${SHIPPER_KEY}`).toString('base64') });
    const info = await es.info();
    assert.equal(info.tagline, 'You Know, for Search');
    assert.match(info.version.number, /^9\.\d+\.\d+$/);
    assert.equal((await es.cluster.health()).status, 'green');
    // HEAD / too (the client's ping).
    assert.equal(await es.ping(), true);
    await es.close();
  });

  it('stores what client.bulk sends, fields mapped (ECS nested and dotted, gzip)', async () => {
    const org = 'es-bulk';
    const es = new Client({
      node: t.url,
      auth: { bearer: ALL_KEY },
      headers: { 'X-Scope-OrgID': org },
      compression: true,
    });
    const answer = await es.bulk({
      operations: [
        { create: { _index: 'logs-app', _id: 'a-1' } },
        {
          '@timestamp': new Date(AT).toISOString(),
          message: 'Payment 42 declined',
          log: { level: 'warn', file: { path: '/var/log/app.log' } },
          service: { name: 'checkout' },
          'host.name': 'web-1',
          user: { id: 'u7' },
          retry: 3,
          ok: false,
          tags: ['a', 'b'],
          gone: null,
        },
        { index: { _index: 'logs-app' } },
        { '@timestamp': AT + 1, log: 'container line 9', 'log.level': 'ERROR', host: 'web-2' },
        { create: {} },
        { timestamp: String(AT + 2), msg: 'pino says hi', level: 30, service: 'worker' },
      ],
    });
    assert.equal(answer.errors, false);
    assert.equal(answer.items.length, 3);
    assert.deepEqual(
      answer.items.map((item) => Object.keys(item)[0]),
      ['create', 'index', 'create'],
    );
    assert.equal(answer.items[0]!.create!._id, 'a-1');
    assert.equal(answer.items[0]!.create!._index, 'logs-app');
    assert.equal(answer.items[0]!.create!.status, 201);
    assert.equal(answer.items[0]!.create!.result, 'created');
    assert.equal(answer.items[2]!.create!._index, 'log-ingest');
    assert.match(answer.items[2]!.create!._id!, /^[0-9a-f]{20}$/);

    const logs = await stored(org);
    assert.equal(logs.length, 3);
    const [payment, container, pino] = logs as [StoredLog, StoredLog, StoredLog];
    assert.equal(payment.timestamp, new Date(AT).toISOString());
    assert.equal(payment.message, 'Payment 42 declined');
    assert.equal(payment.level, 'WARN');
    assert.equal(payment.service, 'checkout');
    assert.equal(payment.host, 'web-1');
    assert.deepEqual(payment.metadata, {
      'log.file.path': '/var/log/app.log',
      'user.id': 'u7',
      retry: '3',
      ok: 'false',
      tags: '["a","b"]',
    });
    assert.equal(container.message, 'container line 9');
    assert.equal(container.level, 'ERROR');
    assert.equal(container.host, 'web-2');
    assert.equal(pino.timestamp, new Date(AT + 2).toISOString());
    assert.equal(pino.service, 'worker');
    assert.equal(pino.level, 'INFO', 'a numeric level is not a level name');
    assert.equal(pino.metadata['level'], '30');
    await es.close();
  });

  it('answers each refused item in the response and stores only the others', async () => {
    const org = 'es-items';
    const es = client(org, { bearer: ALL_KEY });
    const answer = await es.bulk({
      operations: [
        { create: { _index: 'i' } },
        { message: 'kept 1' },
        { create: { _index: 'i', _id: 'no-text' } },
        { level: 'info' },
        { index: { _index: 'i' } },
        // A raw line: the client sends strings as they are.
        'not json',
        { delete: { _index: 'i', _id: 'x' } },
        { update: { _index: 'i', _id: 'y' } },
        { doc: { message: 'an update' } },
        { create: { _index: 'i' } },
        { message: 'bad time', '@timestamp': 'yesterday' },
        { create: { _index: 'i' } },
        { message: 'kept 2' },
      ],
    });
    assert.equal(answer.errors, true);
    const results = answer.items.map((item) => Object.values(item)[0]!);
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 400, 400, 400, 400, 400, 201],
    );
    assert.equal(results[1]!._id, 'no-text');
    assert.equal(results[1]!.error!.type, 'document_parsing_exception');
    assert.match(results[1]!.error!.reason!, /^MISSING_FIELD: message: /);
    assert.match(results[2]!.error!.reason!, /^MALFORMED_JSON: /);
    assert.equal(results[3]!.error!.type, 'illegal_argument_exception');
    assert.match(results[3]!.error!.reason!, /^UNSUPPORTED_ACTION: /);
    assert.match(results[4]!.error!.reason!, /^UNSUPPORTED_ACTION: /);
    assert.match(results[5]!.error!.reason!, /^INVALID_TIMESTAMP: timestamp: /);
    assert.deepEqual(
      (await stored(org)).map((l) => l.message),
      ['kept 1', 'kept 2'],
    );

    // Every document refused: still a 200, each item with its error (Filebeat retries a
    // non-200 for ever; a 400 item it drops).
    const none = await es.bulk({ operations: [{ create: {} }, { nope: 1 }, { create: {} }, 'oops'] });
    assert.equal(none.errors, true);
    assert.deepEqual(
      none.items.map((item) => item.create!.status),
      [400, 400],
    );
    await es.close();
  });

  it('sends through client.helpers.bulk, failures to onDrop', async () => {
    const org = 'es-helper';
    const es = client(org, { bearer: ALL_KEY });
    const docs = Array.from({ length: 250 }, (_, i) => ({
      '@timestamp': AT + i,
      message: i % 50 === 7 ? '' : `Worker ${i} started on node-${i % 3}`,
      'service.name': 'scheduler',
    }));
    const dropped: Array<{ status: number; type: string | undefined }> = [];
    const stats = await es.helpers.bulk({
      datasource: docs,
      // Small flushes: several requests, each under INGEST_MAX_LOGS_PER_REQUEST.
      flushBytes: 4000,
      onDocument: () => ({ create: { _index: 'scheduler' } }),
      onDrop: (doc) => dropped.push({ status: doc.status, type: doc.error?.type }),
    });
    assert.equal(stats.total, 250);
    assert.equal(stats.failed, 5);
    assert.equal(stats.successful, 245);
    assert.equal(dropped.length, 5);
    assert.ok(dropped.every((d) => d.status === 400 && d.type === 'document_parsing_exception'));
    const logs = await stored(org);
    assert.equal(logs.length, 245);
    assert.ok(logs.every((l) => l.service === 'scheduler'));
    await es.close();
  });

  it('refuses a request without an org in its error shape, and stores nothing', async () => {
    const es = client(undefined, { bearer: ALL_KEY });
    await assert.rejects(
      es.bulk({ operations: [{ create: { _index: 'x' } }, { message: 'no org for me' }] }),
      (err: unknown) => {
        assert.ok(err instanceof errors.ResponseError);
        assert.equal(err.statusCode, 400);
        const body = err.body as { error: { type: string; reason: string }; status: number };
        assert.equal(body.status, 400);
        assert.equal(body.error.type, 'illegal_argument_exception');
        assert.match(body.error.reason, /^MISSING_ORG: /);
        assert.equal(err.headers?.['x-elastic-product'], 'Elasticsearch');
        return true;
      },
    );
    await es.close();
    const res = await post('/_bulk', '{"create":{}}\n{"message":"no org for me"}\n', {});
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('x-elastic-product'), 'Elasticsearch');
    assert.deepEqual(((await res.json()) as { status: number }).status, 400);
  });

  it('refuses a malformed action line whole (400), and more operations than the limit (413)', async () => {
    const org = 'es-malformed';
    for (const body of [
      '{"create":{}}\n{"message":"first"}\n{"creat":{}}\n{"message":"x"}\n',
      '{"create":{}}\n{"message":"first"}\nnot json\n',
      '{"create":{},"index":{}}\n{"message":"x"}\n',
      '["create"]\n{"message":"x"}\n',
      '{"create":"x"}\n{"message":"x"}\n',
      '{"create":{}}\n{"message":"the last action has no document"}\n{"index":{}}\n',
      '\n\n',
    ]) {
      const res = await post('/_bulk', body, { 'x-scope-orgid': org });
      assert.equal(res.status, 400, body);
      const answer = (await res.json()) as { error: { type: string; reason: string }; status: number };
      assert.equal(answer.status, 400);
      assert.match(answer.error.reason, /^(MALFORMED_BULK|EMPTY_BULK): /);
    }
    const many = '{"create":{}}\n{"message":"one of many"}\n'.repeat(MAX_LOGS + 1);
    const tooMany = await post('/logs-x/_bulk', gzipSync(many), {
      'x-scope-orgid': org,
      'content-encoding': 'gzip',
    });
    assert.equal(tooMany.status, 413);
    const answer = (await tooMany.json()) as { error: { type: string; reason: string } };
    assert.equal(answer.error.type, 'content_too_long_exception');
    assert.match(answer.error.reason, /^TOO_MANY_LOGS: /);
    const exactly = await post(
      '/logs-x/_bulk',
      many.slice(0, many.length / (MAX_LOGS + 1)).repeat(MAX_LOGS),
      {
        'x-scope-orgid': org,
      },
    );
    assert.equal(exactly.status, 200);
    const bad = await post('/_bulk', '{"create":{}}\n{"message":"x"}\n', {
      'x-scope-orgid': org,
      'content-type': 'text/plain',
    });
    assert.equal(bad.status, 415);
    assert.equal((await stored(org)).length, MAX_LOGS);
  });

  it('takes a one-org key as an ApiKey or as the Basic password, and keeps keys to their orgs', async () => {
    const asApiKey = client(undefined, { apiKey: Buffer.from(`shipper:${SHIPPER_KEY}`).toString('base64') });
    const one = await asApiKey.bulk({ operations: [{ create: { _index: 'a' } }, { message: 'via ApiKey' }] });
    assert.equal(one.errors, false);
    const asBasic = client(undefined, { username: 'filebeat', password: SHIPPER_KEY });
    const two = await asBasic.bulk({ operations: [{ create: { _index: 'a' } }, { message: 'via Basic' }] });
    assert.equal(two.errors, false);
    assert.deepEqual((await stored(SHIPPER_ORG)).map((l) => l.message).sort(), ['via ApiKey', 'via Basic']);

    // A header naming another org than the key holds: 403, in the same shape.
    const foreign = client('acme', { username: 'filebeat', password: SHIPPER_KEY });
    await assert.rejects(foreign.bulk({ operations: [{ create: {} }, { message: 'x' }] }), (err: unknown) => {
      assert.ok(err instanceof errors.ResponseError);
      assert.equal(err.statusCode, 403);
      assert.equal((err.body as { error: { type: string } }).error.type, 'security_exception');
      return true;
    });
    // A read-only key cannot write; an unknown key is 401.
    const reader = client('acme', { bearer: READ_KEY });
    await assert.rejects(reader.bulk({ operations: [{ create: {} }, { message: 'x' }] }), {
      statusCode: 403,
    });
    assert.equal((await reader.info()).name, 'log-ingest', 'the handshake answers a read key too');
    const stranger = client('acme', { bearer: 'nobody-knows-this-key' });
    await assert.rejects(stranger.info(), { statusCode: 401 });
    for (const es of [asApiKey, asBasic, foreign, reader, stranger]) await es.close();
    assert.deepEqual(await stored('acme'), []);
  });

  it("answers Filebeat's set-up steps: templates and policies exist, creating one is acknowledged", async () => {
    const shipper = { authorization: `ApiKey ${Buffer.from(`fb:${SHIPPER_KEY}`).toString('base64')}` };
    for (const path of ['/_ilm/policy/filebeat', '/_index_template/filebeat-9.1.0', '/_ingest/pipeline/p1']) {
      const get = await fetch(`${t.url}${path}`, { headers: shipper });
      assert.equal(get.status, 200, path);
      assert.equal(get.headers.get('x-elastic-product'), 'Elasticsearch');
      const head = await fetch(`${t.url}${path}`, { method: 'HEAD', headers: shipper });
      assert.equal(head.status, 200, path);
      const put = await fetch(`${t.url}${path}`, {
        method: 'PUT',
        headers: { ...shipper, 'content-type': 'application/json' },
        body: JSON.stringify({ policy: { phases: {} } }),
      });
      assert.equal(put.status, 200, path);
      assert.deepEqual(await put.json(), { acknowledged: true });
    }
    const license = await fetch(`${t.url}/_license`, { headers: shipper });
    assert.equal(((await license.json()) as { license: { status: string } }).license.status, 'active');
  });
});
