import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

interface IngestReply {
  accepted: number;
  matched: number;
  failed: number;
  errors?: Array<{ index: number | null; field: string; code: string }>;
}
interface ErrorReply {
  statusCode: number;
  code: string;
  message: string;
  field?: string;
  index?: number | null;
  errors?: Array<{ index: number | null; field: string; code: string }>;
}
interface LogsReply {
  logs: Array<{
    message: string;
    template_id: number;
    template: string | null;
    variables: string[];
    level: string;
    metadata: Record<string, string>;
    timestamp: string;
  }>;
  next_cursor: string | null;
}

let t: TestService;

before(async () => {
  t = await startTestService({
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    INGEST_BODY_LIMIT_BYTES: String(256 * 1024),
  });
});
after(async () => {
  await t.destroy();
});

async function post(
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  return t.service.app.inject({ method: 'POST', url: '/logs/ingest', payload: body, headers });
}

async function logsOf(org: string, extra = ''): Promise<LogsReply> {
  await t.flush();
  const res = await t.service.app.inject({ url: `/logs?org=${encodeURIComponent(org)}&limit=10000${extra}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<LogsReply>();
}

describe('POST /logs/ingest', () => {
  it('accepts the original single-log example and stores it with its fields', async () => {
    const res = await post(
      JSON.stringify({
        timestamp: '2025-01-15T10:30:45Z',
        org: 'single',
        dashboard: 'production',
        service: 'api-server',
        host: 'web-01',
        level: 'error',
        message: 'Connection timeout after 30s',
        metadata: { request_id: 'req_123' },
      }),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { accepted: 1, matched: 0, failed: 0 });
    const { logs } = await logsOf('single');
    assert.equal(logs.length, 1);
    assert.equal(logs[0]?.message, 'Connection timeout after 30s');
    assert.equal(logs[0]?.level, 'ERROR');
    assert.equal(logs[0]?.timestamp, '2025-01-15T10:30:45.000Z');
    assert.deepEqual(logs[0]?.metadata, { request_id: 'req_123' });
    assert.ok((logs[0]?.template_id ?? 0) > 0, 'a template was learned and stored with the log');
  });

  it('learns a template, then matches new logs of that kind on arrival with their variables', async () => {
    const first = await post(
      JSON.stringify({ logs: [{ org: 'learn', message: 'User 1001 logged in from 10.0.0.1' }] }),
    );
    assert.equal(first.json<IngestReply>().matched, 0);
    await t.flush();
    const second = await post(
      JSON.stringify({ logs: [{ org: 'learn', message: 'User 2002 logged in from 10.0.0.2' }] }),
    );
    assert.equal(second.json<IngestReply>().matched, 1);
    const { logs } = await logsOf('learn');
    assert.equal(logs.length, 2);
    assert.equal(logs[0]?.template_id, logs[1]?.template_id);
    const newest = logs.find((l) => l.message.includes('2002'));
    assert.ok(newest?.template?.includes('<*>'), `template ${newest?.template}`);
    assert.ok(newest?.variables.includes('2002'), `variables ${JSON.stringify(newest?.variables)}`);
  });

  it('keeps templates private to their org', async () => {
    await post(JSON.stringify({ org: 'org-a', message: 'Disk quota exceeded for volume 7' }));
    await t.flush();
    const own = await post(JSON.stringify({ org: 'org-a', message: 'Disk quota exceeded for volume 9' }));
    assert.equal(own.json<IngestReply>().matched, 1);
    const other = await post(JSON.stringify({ org: 'org-b', message: 'Disk quota exceeded for volume 9' }));
    assert.equal(other.json<IngestReply>().matched, 0);
    const templates = await t.service.app.inject({ url: '/templates?org=org-b' });
    await t.flush();
    const listed = (await t.service.app.inject({ url: '/templates?org=org-a' })).json<{
      templates: Array<{ id: number }>;
    }>();
    const ids = new Set(listed.templates.map((x) => x.id));
    for (const tpl of templates.json<{ templates: Array<{ id: number }> }>().templates)
      assert.ok(!ids.has(tpl.id));
  });

  it('accepts the original batch and 2,000-log examples', async () => {
    const batch = await post(
      JSON.stringify({
        logs: [
          { org: 'acme-batch', message: 'ERROR: test1', level: 'ERROR' },
          { org: 'acme-batch', message: 'WARN: test2', level: 'WARN' },
          { org: 'acme-batch', message: 'INFO: test3', level: 'INFO' },
        ],
      }),
    );
    assert.equal(batch.json<IngestReply>().accepted, 3);
    const logs = Array.from({ length: 2000 }, (_, i) => ({
      org: 'acme-large',
      message: `ERROR: message ${i}`,
    }));
    const large = await post(JSON.stringify({ logs }));
    assert.equal(large.statusCode, 200);
    assert.equal(large.json<IngestReply>().accepted, 2000);
    const stored = await logsOf('acme-large');
    assert.equal(stored.logs.length, 2000);
    const templates = new Set(stored.logs.map((l) => l.template_id));
    assert.equal(templates.size, 1, 'one template for "ERROR: message <*>"');
    assert.ok(!templates.has(0));
  });

  it('accepts NDJSON and gzip-compressed bodies', async () => {
    const ndjson = '{"org":"framing","message":"ndjson one"}\n{"org":"framing","message":"ndjson two"}\n';
    const a = await post(ndjson, { 'content-type': 'application/x-ndjson' });
    assert.equal(a.json<IngestReply>().accepted, 2);
    const b = await post(gzipSync(JSON.stringify({ logs: [{ org: 'framing', message: 'gzipped json' }] })), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(b.statusCode, 200, b.body);
    assert.equal(b.json<IngestReply>().accepted, 1);
    const c = await post(gzipSync(ndjson.replaceAll('ndjson', 'gz-ndjson')), {
      'content-type': 'application/x-ndjson',
      'content-encoding': 'gzip',
    });
    assert.equal(c.json<IngestReply>().accepted, 2);
    const messages = (await logsOf('framing')).logs.map((l) => l.message).sort();
    assert.deepEqual(messages, [
      'gz-ndjson one',
      'gz-ndjson two',
      'gzipped json',
      'ndjson one',
      'ndjson two',
    ]);
  });
});

describe('text that would change on the way in is refused, and nothing of it stored', () => {
  it('a lone surrogate in any field: 400 INVALID_TEXT naming the field', async () => {
    for (const [field, body] of [
      ['message', '{"org": "text1", "message": "half \\ud800 a pair"}'],
      ['service', '{"org": "text1", "message": "m", "service": "api\\udc00"}'],
      ['metadata', '{"org": "text1", "message": "m", "metadata": {"k": "\\ud83d"}}'],
      ['metadata', '{"org": "text1", "message": "m", "metadata": {"\\ud83d": "v"}}'],
    ] as const) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json<ErrorReply>();
      assert.equal(error.code, 'INVALID_TEXT', body);
      assert.equal(error.field, field, body);
    }
    // A surrogate pair is a character like any other.
    const pair = await post('{"org": "text1", "message": "rocket \\ud83d\\ude80 launched"}');
    assert.equal(pair.statusCode, 200, pair.body);
    assert.deepEqual(
      (await logsOf('text1')).logs.map((l) => l.message),
      ['rocket 🚀 launched'],
    );
  });

  it('a body that is not UTF-8: 400 INVALID_UTF8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"org": "text2", "message": "caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    const res = await post(body);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json<ErrorReply>().code, 'INVALID_UTF8');
    assert.deepEqual((await logsOf('text2')).logs, []);
  });

  it('a declared charset other than UTF-8: 415; charset=utf-8 is taken', async () => {
    const body = Buffer.from('{"org": "text3", "message": "caf\u00e9"}', 'latin1');
    const latin1 = await post(body, { 'content-type': 'application/json; charset=iso-8859-1' });
    assert.equal(latin1.statusCode, 415, latin1.body);
    assert.match(latin1.json<ErrorReply>().message, /charset iso-8859-1/);
    const utf8 = await post('{"org": "text3", "message": "café"}', {
      'content-type': 'application/json; charset=UTF-8',
    });
    assert.equal(utf8.statusCode, 200, utf8.body);
    assert.deepEqual(
      (await logsOf('text3')).logs.map((l) => l.message),
      ['café'],
    );
  });
});

describe('bad input: a 4xx naming the problem, and nothing stored', () => {
  const bad: Array<[string, string, string, string | undefined, number | null | undefined]> = [
    ['malformed JSON', '{"org": "bad", "message": ', 'MALFORMED_JSON', '', null],
    ['a body that is not an object', '"just a string"', 'NOT_AN_OBJECT', '', null],
    ['a log that is not an object', '{"logs": ["text"]}', 'NOT_AN_OBJECT', '', 0],
    ['logs that is not an array', '{"logs": {"org": "bad"}}', 'INVALID_TYPE', 'logs', null],
    ['a missing org', '{"message": "no org"}', 'MISSING_FIELD', 'org', null],
    ['an empty org', '{"org": "", "message": "m"}', 'EMPTY_FIELD', 'org', null],
    ['an org with spaces around it', '{"org": " bad ", "message": "m"}', 'INVALID_ORG', 'org', null],
    ['an org with a zero-width space', '{"org": "b\\u200bad", "message": "m"}', 'INVALID_ORG', 'org', null],
    ['an org with a line break', '{"org": "bad\\r\\nX: 1", "message": "m"}', 'INVALID_ORG', 'org', null],
    ['a missing message', '{"logs": [{"org": "bad"}]}', 'MISSING_FIELD', 'message', 0],
    ['an empty message', '{"org": "bad", "message": ""}', 'EMPTY_FIELD', 'message', null],
    ['a wrong type', '{"org": "bad", "message": "m", "level": 5}', 'INVALID_TYPE', 'level', null],
    [
      'an unparsable timestamp',
      '{"org": "bad", "message": "m", "timestamp": "yesterday"}',
      'INVALID_TIMESTAMP',
      'timestamp',
      null,
    ],
    [
      'a year of two digits (0075, not 1975)',
      '{"org": "bad", "message": "m", "timestamp": "0075-06-15T12:00:00Z"}',
      'INVALID_TIMESTAMP',
      'timestamp',
      null,
    ],
    [
      'metadata that is not an object',
      '{"org": "bad", "message": "m", "metadata": "k=v"}',
      'INVALID_TYPE',
      'metadata',
      null,
    ],
  ];
  for (const [name, body, code, field, index] of bad) {
    it(`rejects ${name} with 400 ${code}`, async () => {
      const res = await post(body);
      assert.equal(res.statusCode, 400, res.body);
      const error = res.json<ErrorReply>();
      assert.equal(error.code, code);
      if (field !== undefined) assert.equal(error.field, field);
      if (index !== undefined) assert.equal(error.index, index);
    });
  }

  it('names the index of the bad log in a batch and stores only the valid ones', async () => {
    const res = await post(
      JSON.stringify({
        logs: [
          { org: 'partial', message: 'good one' },
          { org: 'partial', message: 42 },
          { org: 'partial', message: 'good two' },
          { message: 'no org' },
        ],
      }),
    );
    assert.equal(res.statusCode, 200);
    const reply = res.json<IngestReply>();
    assert.equal(reply.accepted, 2);
    assert.equal(reply.failed, 2);
    assert.deepEqual(
      reply.errors?.map((e) => [e.index, e.field, e.code]),
      [
        [1, 'message', 'INVALID_TYPE'],
        [3, 'org', 'MISSING_FIELD'],
      ],
    );
    const messages = (await logsOf('partial')).logs.map((l) => l.message).sort();
    assert.deepEqual(messages, ['good one', 'good two']);
  });

  it('names the line of a malformed NDJSON line', async () => {
    const res = await post('{"org":"ndbad","message":"ok"}\n{oops\n', {
      'content-type': 'application/x-ndjson',
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json<IngestReply>().errors?.map((e) => [e.index, e.code]),
      [[1, 'MALFORMED_JSON']],
    );
  });

  it('answers 413 for a body over the limit, also when it only exceeds it once decompressed', async () => {
    const big = JSON.stringify({
      logs: Array.from({ length: 4000 }, (_, i) => ({ org: 'huge', message: `line ${i} `.repeat(10) })),
    });
    assert.ok(big.length > 256 * 1024);
    const plain = await post(big);
    assert.equal(plain.statusCode, 413);
    assert.equal(plain.json<ErrorReply>().code, 'BODY_TOO_LARGE');
    const zipped = gzipSync(big);
    assert.ok(zipped.length < 256 * 1024, 'compressed it fits');
    const res = await post(zipped, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(res.statusCode, 413);
  });

  it('answers 415 for an unsupported Content-Type or Content-Encoding', async () => {
    const form = await post('org=x&message=y', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.statusCode, 415);
    assert.equal(form.json<ErrorReply>().code, 'UNSUPPORTED_MEDIA_TYPE');
    const br = await post('{"org":"unsupported","message":"m"}', {
      'content-type': 'application/json',
      'content-encoding': 'br',
    });
    assert.equal(br.statusCode, 415);
  });

  it('rejects a corrupt gzip body with 400', async () => {
    const res = await post(Buffer.from('not gzip at all'), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    assert.equal(res.statusCode, 400);
  });

  it('stored nothing for any of the rejected requests', async () => {
    for (const org of ['bad', 'huge', 'unsupported']) {
      assert.equal((await logsOf(org)).logs.length, 0, org);
    }
    const stats = (await t.service.app.inject({ url: '/stats' })).json<{ logs: { failed: number } }>();
    assert.ok(stats.logs.failed >= 10);
  });
});
