import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { makeDataDir, startTestService, type TestService } from '../../helpers/service.ts';

let t: TestService;

before(async () => {
  t = await startTestService({
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    INGEST_MAX_MESSAGE_BYTES: '32',
    INGEST_MAX_METADATA_KEYS: '2',
    INGEST_MAX_METADATA_BYTES: '64',
    INGEST_MAX_LOGS_PER_REQUEST: '5',
  });
});
after(async () => {
  await t.destroy();
});

async function post(body: unknown) {
  return t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

async function messagesOf(org: string): Promise<string[]> {
  await t.flush();
  const res = await t.service.app.inject({ url: `/logs?org=${org}&limit=1000` });
  assert.equal(res.statusCode, 200, res.body);
  return res
    .json<{ logs: Array<{ message: string }> }>()
    .logs.map((l) => l.message)
    .sort();
}

describe('input limits', () => {
  it('refuses an over-long message alone and stores the rest of the batch', async () => {
    const res = await post({
      logs: [
        { org: 'lim', message: 'ok one' },
        { org: 'lim', message: '€'.repeat(11) }, // 33 bytes, 11 characters
        { org: 'lim', message: 'x'.repeat(32) },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ accepted: number; failed: number; errors: unknown[] }>();
    assert.equal(body.accepted, 2);
    assert.equal(body.failed, 1);
    assert.equal(body.errors.length, 1);
    assert.deepEqual(
      { ...(body.errors[0] as Record<string, unknown>), message: undefined },
      { index: 1, field: 'message', code: 'TOO_LONG', message: undefined },
    );
    assert.deepEqual(await messagesOf('lim'), ['ok one', 'x'.repeat(32)]);
  });

  it('refuses metadata over the key and size limits, per log', async () => {
    const res = await post({
      logs: [
        { org: 'meta', message: 'keys', metadata: { a: '1', b: '2', c: '3' } },
        { org: 'meta', message: 'size', metadata: { a: 'y'.repeat(64) } },
        { org: 'meta', message: 'fine', metadata: { a: '1', b: '2' } },
      ],
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{
      failed: number;
      errors: Array<{ index: number; code: string; field: string }>;
    }>();
    assert.equal(body.failed, 2);
    assert.deepEqual(
      body.errors.map((e) => [e.index, e.field, e.code]),
      [
        [0, 'metadata', 'TOO_MANY_KEYS'],
        [1, 'metadata', 'TOO_LARGE'],
      ],
    );
    assert.deepEqual(await messagesOf('meta'), ['fine']);
  });

  it('refuses a request of too many logs with 413, storing nothing', async () => {
    const logs = Array.from({ length: 6 }, (_, i) => ({ org: 'many', message: `line ${i}` }));
    const res = await post({ logs });
    assert.equal(res.statusCode, 413, res.body);
    const body = res.json<{ code: string; limit: number; message: string }>();
    assert.equal(body.code, 'TOO_MANY_LOGS');
    assert.equal(body.limit, 5);
    assert.match(body.message, /at most 5 logs/);
    assert.deepEqual(await messagesOf('many'), []);

    const ok = await post({ logs: logs.slice(0, 5) });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await messagesOf('many')).length, 5);
  });

  it('refuses an NDJSON body past the limit while reading it, before the rest is parsed', async () => {
    // Far more lines than the limit (5): parsed in full, they would all be values first.
    const lines = Array.from({ length: 50_000 }, (_, i) =>
      JSON.stringify({ org: 'ndjson-many', message: `l ${i}` }),
    );
    const parse = JSON.parse;
    let parsed = 0;
    JSON.parse = ((text: string, reviver?: (key: string, value: unknown) => unknown) => {
      parsed++;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    let res;
    try {
      res = await t.service.app.inject({
        method: 'POST',
        url: '/logs/ingest',
        headers: { 'content-type': 'application/x-ndjson' },
        payload: lines.join('\n'),
      });
    } finally {
      JSON.parse = parse;
    }
    assert.equal(res.statusCode, 413, res.body);
    const body = res.json<{ code: string; limit: number; message: string }>();
    assert.equal(body.code, 'TOO_MANY_LOGS');
    assert.match(body.message, /more than 5/);
    assert.ok(parsed <= 10, `${parsed} JSON.parse calls for a body refused at 5 logs`);
    assert.deepEqual(await messagesOf('ndjson-many'), []);
  });

  it('refuses a JSON body of millions of tiny logs before parsing it', async () => {
    const payload = `{"logs":[${'{"org":"json-many","message":"x"},'.repeat(200_000)}{}]}`;
    const parse = JSON.parse;
    let parsedChars = 0;
    JSON.parse = ((text: string, reviver?: (key: string, value: unknown) => unknown) => {
      parsedChars += text.length;
      return parse(text, reviver) as unknown;
    }) as typeof JSON.parse;
    let res;
    try {
      res = await t.service.app.inject({
        method: 'POST',
        url: '/logs/ingest',
        headers: { 'content-type': 'application/json' },
        payload,
      });
    } finally {
      JSON.parse = parse;
    }
    assert.equal(res.statusCode, 413, res.body);
    const body = res.json<{ code: string; message: string }>();
    assert.equal(body.code, 'TOO_MANY_LOGS');
    assert.match(body.message, /more than 5/, 'refused without counting them all');
    assert.ok(parsedChars < payload.length, 'the body was never parsed');
    assert.deepEqual(await messagesOf('json-many'), []);
  });

  it('answers a gzip bomb with 413 without inflating it in full', async () => {
    // 256 MiB of zeros gzip to about 250 KB: far under the 10 MB body limit on the wire.
    const inflated = 256 * 1024 * 1024;
    const bomb = gzipSync(Buffer.alloc(inflated));
    assert.ok(bomb.length < 1024 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const res = await t.service.app.inject({
      method: 'POST',
      url: '/logs/ingest',
      payload: bomb,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json<{ code: string }>().code, 'BODY_TOO_LARGE');
    // Inflating stops at the body limit (10 MB): nowhere near the bomb's 256 MiB.
    assert.ok(grown < 64 * 1024 * 1024, `buffers grew by ${Math.round(grown / 1024 / 1024)} MiB`);
  });

  it('refuses to start with a bad limit, naming the variable', async () => {
    const dir = await makeDataDir();
    try {
      await assert.rejects(
        () => startTestService({ INGEST_MAX_LOGS_PER_REQUEST: 'many' }, dir),
        /INGEST_MAX_LOGS_PER_REQUEST/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
