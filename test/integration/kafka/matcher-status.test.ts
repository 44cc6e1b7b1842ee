// A matcher process (ROLE=matcher) serves its status routes on a bare node:http server
// (src/roles/serve-matcher.ts) instead of the Fastify app: what probes, scrapers and operators
// see of it must be what the app answers, keys checked the same way, and nothing else served.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKafka } from '../../../src/transport/kafka/client/index.ts';
import { kafkaBrokers } from './helpers.ts';
import { Pipeline, type RoleProcess } from './pipeline.ts';

const READ_ALL = 'matcher-read-all-0123456789abcdef';
const READ_BETA = 'matcher-read-beta-0123456789abcdef';
const WRITE_ONLY = 'matcher-write-only-0123456789abcdef';

interface ErrorReply {
  statusCode: number;
  error: string;
  code: string;
  message: string;
}

describe(
  'a Kafka-mode matcher alone: its status routes without the HTTP service',
  { timeout: 120_000 },
  () => {
    const pipeline = new Pipeline(kafkaBrokers(), {
      INGEST_API_KEYS: `${READ_ALL}:*:read;${READ_BETA}:beta:read;${WRITE_ONLY}:*:write`,
      INGEST_REQUEST_TIMEOUT_SECS: '1',
      INGEST_MAX_CONNECTIONS_PER_CLIENT: '4',
    });
    let matcher: RoleProcess;

    before(async () => {
      matcher = await pipeline.start('matcher');
    });
    after(async () => {
      await pipeline.close();
      const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'matcher-status-test-cleanup' });
      await kafka.admin.deleteTopics(pipeline.topics.all).catch(() => undefined);
      await kafka.close();
    });

    const get = (path: string, key?: string, method = 'GET') =>
      fetch(`${matcher.url}${path}`, {
        method,
        headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
      });

    it('answers /health without a key, with the role and no storage', async () => {
      const res = await get('/health');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await res.json(), {
        status: 'healthy',
        templates_loaded: 0,
        clickhouse_connected: null,
        roles: ['matcher'],
      });
      const head = await get('/health', undefined, 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    });

    it('answers /metrics without a key, in the Prometheus text format', async () => {
      const res = await get('/metrics');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /^log_ingest_logs_matched_total 0$/m);
      // The requests above (and the start's wait for /health) are counted as the app counts them.
      assert.match(
        text,
        /^log_ingest_http_requests_total\{method="GET",route="\/health",status="200"\} [1-9]\d*$/m,
      );
    });

    it('asks /stats for a key of the read scope, refusing others as the app does', async () => {
      const none = await get('/stats');
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm="log-ingest"/);
      assert.deepEqual(await none.json(), {
        statusCode: 401,
        error: 'Unauthorized',
        code: 'UNAUTHORIZED',
        message: 'an API key is required: Authorization: Bearer <key>',
      });
      const unknown = await get('/stats', 'not-a-key-of-this-service');
      assert.equal(unknown.status, 401);
      assert.equal(((await unknown.json()) as ErrorReply).message, 'unknown API key');
      const writer = await get('/stats', WRITE_ONLY);
      assert.equal(writer.status, 403);
      assert.deepEqual(await writer.json(), {
        statusCode: 403,
        error: 'Forbidden',
        code: 'FORBIDDEN',
        message: 'the API key lacks the read scope',
      });

      const res = await get('/stats', READ_ALL);
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown> & {
        kafka: { matcher: Record<string, unknown> };
      };
      assert.deepEqual(body['roles'], ['matcher']);
      assert.equal(body['generator'], 'none');
      assert.equal(body.kafka.matcher['templatesCaughtUp'], true);
      assert.equal(body.kafka.matcher['records'], 0);
      const tenant = await get('/stats', READ_BETA);
      assert.equal(tenant.status, 200);
      assert.deepEqual(((await tenant.json()) as Record<string, unknown>)['roles'], ['matcher']);
    });

    it('serves nothing else: the API, /docs and a body sent are 404, and the matcher took nothing', async () => {
      const ingest = await fetch(`${matcher.url}/logs/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE_ONLY}` },
        body: JSON.stringify({ org: 'acme', message: 'Connection timeout after 30s' }),
      });
      assert.equal(ingest.status, 404);
      assert.deepEqual(await ingest.json(), {
        statusCode: 404,
        error: 'Not Found',
        code: 'NOT_FOUND',
        message: 'no route POST /logs/ingest',
      });
      assert.equal((await get('/docs')).status, 404);
      assert.equal((await get('/logs?org=acme', READ_ALL)).status, 404);
      const after = await fetch(`${matcher.url}/stats`, { headers: { authorization: `Bearer ${READ_ALL}` } });
      const counts = (await after.json()) as { kafka: { matcher: { records: number } } };
      assert.equal(counts.kafka.matcher.records, 0);
    });

    /** A raw connection from `from`; `answer` resolves with all the server sent once it closes. */
    const connect = (from: string) =>
      new Promise<{ socket: net.Socket; answer: Promise<string> }>((resolve, reject) => {
        const url = new URL(matcher.url);
        const socket = net.connect({ host: url.hostname, port: Number(url.port), localAddress: from });
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        const answer = new Promise<string>((done) => socket.once('close', () => done(received)));
        socket.once('connect', () => resolve({ socket, answer }));
        socket.once('error', reject);
      });
    const within = <T>(promise: Promise<T>, ms: number, what: string) =>
      Promise.race([
        promise,
        new Promise<T>((_, reject) =>
          setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms),
        ),
      ]);

    it('cuts off a client whose headers never end, and one that sends nothing, at INGEST_REQUEST_TIMEOUT_SECS', async () => {
      const slow = await connect('127.0.0.3');
      slow.socket.write('GET /stats HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      assert.match(await within(slow.answer, 5000, 'headers never ended'), /^HTTP\/1\.1 408 /);
      const silent = await connect('127.0.0.3');
      await within(silent.answer, 5000, 'a silent connection');
    });

    it('answers 429 to an address past INGEST_MAX_CONNECTIONS_PER_CLIENT; another address is served', async () => {
      const held = await Promise.all(Array.from({ length: 4 }, () => connect('127.0.0.4')));
      const refused = await connect('127.0.0.4');
      const text = await within(refused.answer, 3000, 'the fifth connection');
      assert.match(text, /^HTTP\/1\.1 429 /);
      assert.match(text, /"code":"TOO_MANY_CONNECTIONS_FROM_CLIENT"/);
      const other = await connect('127.0.0.5');
      other.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(await within(other.answer, 3000, 'another address'), /^HTTP\/1\.1 200 /);
      for (const { socket } of held) socket.destroy();
    });

    it('drains on SIGTERM: the process exits 0 and its port is closed', async () => {
      matcher.child.kill('SIGTERM');
      assert.equal(await matcher.exited, 0);
      await assert.rejects(fetch(`${matcher.url}/health`));
    });
  },
);
