import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../../src/http/app.ts';
import { createLogger } from '../../../src/logger.ts';
import { createMetrics } from '../../../src/metrics/prometheus.ts';
import { LOG_FIELDS, type LogField } from '../../../src/model/log-fields.ts';
import {
  schemaProblems,
  servedRoutes,
  type OpenApiDocument,
  type OpenApiOperation,
} from '../../helpers/openapi.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

const KEY = 'openapi-test-key-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

let t: TestService;
let doc: OpenApiDocument;

before(async () => {
  t = await startTestService({
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    INGEST_API_KEYS: `${KEY}:acme:write+read`,
  });
  const res = await t.service.app.inject({ url: '/docs/json' });
  assert.equal(res.statusCode, 200, res.body);
  doc = res.json<OpenApiDocument>();
});
after(async () => {
  await t.destroy();
});

/** `METHOD path` of every operation in the document. */
function documented(document: OpenApiDocument): string[] {
  return Object.entries(document.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** `METHOD path` of every route the app serves, but the pages' (the documentation's, the explorer's). */
function served(app: Parameters<typeof servedRoutes>[0]): string[] {
  return (
    servedRoutes(app)
      // The router lists GET /ui/* as `/ui*` (the wildcard under the /ui node).
      .filter((r) => !/^\/(docs|ui)([/*]|$)/.test(r.path))
      // The router's `:name` is OpenAPI's `{name}`.
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort()
  );
}

function operation(method: string, path: string): OpenApiOperation {
  const op = doc.paths[path]?.[method];
  assert.ok(op !== undefined, `${method} ${path} is documented`);
  return op;
}

describe('the OpenAPI document at GET /docs/json', () => {
  it('is OpenAPI 3 named after the package, without servers', () => {
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.title, pkg.name);
    assert.equal(doc.info.version, pkg.version);
    assert.ok((doc.info.description ?? '').length > 0);
    assert.equal(doc.servers, undefined);
  });

  it('documents exactly the routes the standalone service serves', () => {
    const routes = served(t.service.app);
    assert.ok(routes.includes('POST /logs/ingest'), routes.join(', '));
    assert.deepEqual(documented(doc), routes);
  });

  it('documents exactly the routes of a Kafka role without ingest and storage', async () => {
    // Stats are not read here: every counter is 0.
    const zeros = new Proxy({}, { get: () => 0 }) as never;
    const stats = {
      ingest: () => undefined,
      match: () => zeros,
      generate: () => zeros,
      store: () => zeros,
      llm: () => undefined,
      wal: () => undefined,
      syslog: () => undefined,
      threads: () => undefined,
    };
    const app = buildApp({
      bodyLimitBytes: 1024,
      auth: { keys: [] },
      logger: createLogger('silent'),
      metrics: createMetrics(stats),
      view: {
        stats,
        generatorName: 'builtin',
        generateQueueMax: 0,
        draining: () => false,
      },
    });
    try {
      const res = await app.inject({ url: '/docs/json' });
      assert.equal(res.statusCode, 200);
      const kafkaDoc = res.json<OpenApiDocument>();
      const routes = served(app);
      assert.ok(!routes.includes('POST /logs/ingest'));
      assert.deepEqual(documented(kafkaDoc), routes);
      // Reads answer 404 READS_NOT_SERVED_HERE there, as documented.
      const logs = await app.inject({ url: '/logs?org=acme' });
      assert.equal(logs.statusCode, 404);
      assert.deepEqual(
        schemaProblems(
          kafkaDoc.paths['/logs']!['get']!.responses['404']!.content!['application/json']!.schema!,
          logs.json(),
        ),
        [],
      );
    } finally {
      await app.close();
    }
  });

  it('gives every operation a summary, description, tag, success response and error responses', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok((op.summary ?? '').length > 0, `${where}: summary`);
        assert.ok((op.description ?? '').length > 0, `${where}: description`);
        assert.ok((op.tags ?? []).length > 0, `${where}: tags`);
        const ok = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        // A 204 has no body, by HTTP (Loki's push answers one).
        assert.ok(
          ok.length > 0 && ok.every(([status, r]) => (r.content === undefined) === (status === '204')),
          `${where}: 2xx with a body, 204 without`,
        );
        for (const [status, response] of Object.entries(op.responses)) {
          assert.ok(response.description.length > 0, `${where} ${status}: description`);
          if (status.startsWith('4') || status === '503') {
            const schema = response.content?.['application/json']?.schema;
            // Ours carries a `code`; OTLP's google.rpc.Status a numeric one; Elasticsearch's
            // error object `error` and `status`; Loki answers plain text, our code first (the
            // shippers' routes answer in their shapes).
            const required = schema?.required ?? [];
            const loki = path === '/loki/api/v1/push';
            const elasticsearch = (op.tags ?? []).includes('shippers') && path !== '/v1/logs' && !loki;
            const plainText =
              Object.keys(response.content ?? {}).join() === 'text/plain' &&
              response.content?.['text/plain']?.schema?.type === 'string';
            assert.ok(
              path === '/health' ||
                (loki
                  ? plainText
                  : elasticsearch
                    ? required.includes('error') && required.includes('status')
                    : required.includes('code')),
              `${where} ${status}: the error object`,
            );
          }
        }
      }
    }
  });

  it('requires a bearer API key everywhere but /health and /metrics', () => {
    const scheme = doc.components?.securitySchemes?.['apiKey'];
    assert.equal(scheme?.type, 'http');
    assert.equal(scheme.scheme, 'bearer');
    assert.deepEqual(doc.security, [{ apiKey: [] }]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const open = path === '/health' || path === '/metrics';
        assert.deepEqual(op.security, open ? [] : undefined, `${method} ${path}`);
        assert.equal(op.responses['401'] !== undefined, !open, `${method} ${path}: 401 documented`);
      }
    }
  });

  it('documents the ingest body (JSON shapes and NDJSON) and every status of the README table', () => {
    const op = operation('post', '/logs/ingest');
    const content = op.requestBody?.content ?? {};
    for (const type of [
      'application/json',
      'application/x-ndjson',
      'application/ndjson',
      'application/jsonl',
      'application/x-jsonlines',
    ]) {
      assert.ok(content[type] !== undefined, type);
    }
    const json = content['application/json']!.schema!;
    assert.equal(json.oneOf?.length, 3, 'a log, {logs: [...]}, an array of logs');
    assert.deepEqual(Object.keys(op.responses).sort(), [
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '503',
    ]);
    assert.ok(op.responses['429']!.headers?.['retry-after'] !== undefined);
    assert.ok(op.responses['503']!.headers?.['retry-after'] !== undefined);
    const rateLimited = op.responses['429']!.content!['application/json']!.schema!;
    assert.ok(rateLimited.properties?.['org'] !== undefined && rateLimited.properties['limit'] !== undefined);
  });

  it('documents the declared log fields: those a client sends, and those GET /logs returns', () => {
    // The route schemas (http/routes) are written by hand; model/log-fields.ts is what they describe.
    const fields = Object.entries(LOG_FIELDS) as Array<[string, LogField]>;
    const sent = fields.filter(([, field]) => field.input !== 'not accepted');
    const log = operation('post', '/logs/ingest').requestBody!.content['application/json']!.schema!
      .oneOf![0]!;
    assert.deepEqual(Object.keys(log.properties ?? {}).sort(), sent.map(([name]) => name).sort());
    assert.deepEqual(
      [...(log.required ?? [])].sort(),
      sent
        .filter(([, field]) => field.input === 'required')
        .map(([name]) => name)
        .sort(),
    );
    for (const [name, field] of sent) {
      assert.equal((log.properties![name] as { maxLength?: number }).maxLength, field.maxLength, name);
    }
    const page = operation('get', '/logs').responses['200']!.content!['application/json']!.schema!;
    const served = fields
      .filter(([, field]) => field.read !== null)
      .map(([name, field]) => field.read ?? name);
    assert.deepEqual(
      Object.keys(page.properties!['logs']!.items!.properties ?? {}).sort(),
      [...served, 'template'].sort(),
    );
  });

  it('documents the query parameters of the read routes', () => {
    const params = (path: string) =>
      (operation('get', path).parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => `${p.name}${p.required === true ? '*' : ''}`)
        .sort();
    assert.deepEqual(params('/logs'), [
      'cursor',
      'from',
      'host',
      'level',
      'limit',
      'org*',
      'q',
      'service',
      'template_id',
      'to',
    ]);
    assert.deepEqual(params('/templates'), ['cursor', 'from', 'limit', 'org*', 'step', 'to']);
  });
});

describe('the documentation is public', () => {
  it('serves the UI at /docs and the document without a key, while the API still needs one', async () => {
    const ui = await fetch(`${t.url}/docs`);
    assert.equal(ui.status, 200);
    assert.match(ui.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await ui.text(), /swagger/i);
    const json = await fetch(`${t.url}/docs/json`);
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
    const yaml = await fetch(`${t.url}/docs/yaml`);
    assert.equal(yaml.status, 200);
    const initializer = await fetch(`${t.url}/docs/static/swagger-initializer.js`);
    assert.equal(initializer.status, 200);

    assert.equal((await fetch(`${t.url}/logs?org=acme`)).status, 401);
    assert.equal((await fetch(`${t.url}/stats`)).status, 401);
    // Only reading the documentation is open.
    const post = await fetch(`${t.url}/docs/json`, { method: 'POST' });
    assert.equal(post.status, 401);
  });
});

describe('the responses match the documentation', () => {
  async function check(
    method: 'GET' | 'POST',
    url: string,
    expected: number,
    payload?: unknown,
  ): Promise<Record<string, unknown>> {
    const res = await t.service.app.inject({
      method,
      url,
      headers: payload === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
    assert.equal(res.statusCode, expected, res.body);
    const path = url.split('?')[0]!;
    const response = operation(method.toLowerCase(), path).responses[String(expected)];
    assert.ok(response !== undefined, `${method} ${path} ${expected} is documented`);
    const mediaType = (res.headers['content-type'] as string).split(';')[0]!.trim();
    const schema = response.content?.[mediaType]?.schema;
    assert.ok(schema !== undefined, `${method} ${path} ${expected}: ${mediaType} is documented`);
    if (mediaType === 'application/json') {
      const body = res.json<Record<string, unknown>>();
      assert.deepEqual(schemaProblems(schema, body), [], `${method} ${url}: ${res.body.slice(0, 500)}`);
      return body;
    }
    return {};
  }

  it('for every route, success and errors', async () => {
    await check('POST', '/logs/ingest', 200, { org: 'acme', message: 'Connection timeout after 30s' });
    const partial = await check('POST', '/logs/ingest', 200, {
      logs: [
        { org: 'acme', message: 'Connection timeout after 31s', metadata: { n: 1, nested: { a: [1] } } },
        { org: 'acme', message: 42 },
      ],
    });
    assert.equal((partial['errors'] as unknown[]).length, 1);
    await check('POST', '/logs/ingest', 400, { logs: [{ org: 'acme' }] });
    await check('POST', '/logs/ingest', 403, { org: 'beta', message: 'not ours' });
    await t.flush();
    await check('GET', '/health', 200);
    await check('GET', '/stats', 200);
    await check('GET', '/metrics', 200);
    const templates = await check('GET', '/templates?org=acme', 200);
    assert.ok((templates['templates'] as unknown[]).length > 0);
    const logs = await check('GET', '/logs?org=acme&limit=1', 200);
    assert.equal((logs['logs'] as unknown[]).length, 1);
    assert.equal(typeof logs['next_cursor'], 'string');
    await check('GET', '/logs', 400);
    await check('GET', '/logs?org=acme&from=yesterday', 400);
    await check('GET', '/logs?org=beta', 403);
    await check('GET', '/templates', 400);
  });
});
