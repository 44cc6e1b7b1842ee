// The request path on worker threads (INGEST_THREADS=3: two worker threads beside the main one, threads/): bodies of 32 KiB or more
// are parsed, validated, matched and encoded on a worker, then recorded in the write-ahead
// log and stored by the main thread. Against the real embedded engine: every accepted log is
// stored once, a template learned reaches every worker's matcher, bad bodies are refused with
// nothing stored. The quotas: request-threads-quotas.test.ts (one embedded engine per process).
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { takesBody as takes } from '../../../src/threads/index.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

const ACME_KEY = 'k-acme-threads-0123456789';

let t: TestService;

before(async () => {
  t = await startTestService({
    INGEST_THREADS: '3',
    INGEST_API_KEYS: `${ACME_KEY}:acme,globex,initech:write+read`,
    // Nothing leaves the write buffer unless the test flushes it.
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
  });
});
after(async () => {
  await t.destroy();
});

const auth = { authorization: `Bearer ${ACME_KEY}` };

/** `count` logs of `org`, long enough together to go to a worker (asserted). */
function batch(org: string, count: number, line: (i: number) => string): { org: string; message: string }[] {
  return Array.from({ length: count }, (_, i) => ({ org, message: line(i) }));
}

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const compressed = headers['content-encoding'] !== undefined;
  assert.ok(takes(Buffer.byteLength(body), compressed), 'a body a worker takes');
  const res = await fetch(`${t.url}/logs/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function stored(org: string): Promise<Array<{ message: string; template_id: number }>> {
  await t.flush();
  const res = await fetch(`${t.url}/logs?org=${org}&limit=10000`, { headers: auth });
  assert.equal(res.status, 200);
  return ((await res.json()) as { logs: Array<{ message: string; template_id: number }> }).logs;
}

describe('request threads', () => {
  it('stores every accepted log of concurrent batches exactly once, and a learned template matches on every thread', async () => {
    const line = (r: number) => (i: number) =>
      `worker job ${r}-${i} finished in ${i % 97} ms on node n${i % 5}`;
    // Unknown at first: the logs wait for a template, then are stored with it.
    const first = await post(JSON.stringify({ logs: batch('acme', 600, line(0)) }));
    assert.equal(first.status, 200);
    assert.equal(first.body['accepted'], 600);
    await stored('acme');
    // Now known: concurrent batches, more than one per thread, all matched on arrival.
    const answers = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((r) => post(JSON.stringify({ logs: batch('acme', 600, line(r)) }))),
    );
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { accepted: 600, matched: 600, failed: 0 });
    }
    const logs = await stored('acme');
    assert.equal(logs.length, 7 * 600);
    assert.equal(new Set(logs.map((l) => l.message)).size, 7 * 600, 'no log stored twice');
    assert.equal(new Set(logs.map((l) => l.template_id)).size, 1);
    assert.notEqual(logs[0]!.template_id, 0);
    const stats = (await (await fetch(`${t.url}/stats`, { headers: auth })).json()) as {
      threads: { threads: number; bodies: number; restarts: number; in_flight: number };
    };
    assert.equal(stats.threads.threads, 2);
    assert.ok(stats.threads.bodies >= 7, `every batch went to a thread: ${JSON.stringify(stats.threads)}`);
    assert.equal(stats.threads.restarts, 0);
    assert.equal(stats.threads.in_flight, 0);
  });

  it('takes a gzip body and NDJSON, and reports the invalid logs of a batch by index', async () => {
    const logs: object[] = batch(
      'globex',
      500,
      (i) =>
        `cache refresh ${i} took ${(i * 7919) % 1000} ms for key ${((i * 2654435761) % 2 ** 32).toString(16)}`,
    );
    logs.splice(7, 0, { org: 'globex' }, { org: 'globex', message: '' });
    const json = JSON.stringify(logs);
    const gzipped = await post(gzipSync(json), { 'content-encoding': 'gzip' });
    assert.equal(gzipped.status, 200);
    assert.equal(gzipped.body['accepted'], 500);
    assert.deepEqual(
      (gzipped.body['errors'] as Array<{ index: number; code: string }>).map((e) => [e.index, e.code]),
      [
        [7, 'MISSING_FIELD'],
        [8, 'EMPTY_FIELD'],
      ],
    );
    const ndjson = await post(logs.map((l) => JSON.stringify(l)).join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    assert.equal(ndjson.status, 200);
    assert.equal(ndjson.body['accepted'], 500);
    assert.equal(ndjson.body['failed'], 2);
    assert.equal((await stored('globex')).length, 1000);
  });

  it('refuses a malformed, foreign-org or non-UTF-8 body whole, with its error, and stores nothing of it', async () => {
    const good = JSON.stringify({
      logs: batch(
        'initech',
        500,
        (i) => `report ${i} printed on the accounting floor printer after a queue wait of ${i % 17} s`,
      ),
    });
    const malformed = await post(good.slice(0, -2));
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body['code'], 'MALFORMED_JSON');

    const foreign = batch(
      'initech',
      500,
      (i) => `report ${i} printed on the accounting floor printer after a queue wait of ${i % 17} s`,
    ) as object[];
    foreign[321] = { org: 'umbrella', message: 'not yours' };
    const forbidden = await post(JSON.stringify({ logs: foreign }));
    assert.equal(forbidden.status, 403);
    assert.match(String(forbidden.body['message']), /logs\[321\].*umbrella/);

    const latin1 = Buffer.from(good, 'latin1');
    latin1[40] = 0xff;
    const notUtf8 = await post(latin1);
    assert.equal(notUtf8.status, 400);
    assert.equal(notUtf8.body['code'], 'INVALID_UTF8');

    const tooMany = await post(JSON.stringify({ logs: batch('initech', 10_001, (i) => `r${i}`) }));
    assert.equal(tooMany.status, 413);
    assert.equal(tooMany.body['code'], 'TOO_MANY_LOGS');
    assert.deepEqual(await stored('initech'), []);
  });

  it('drains on stop: every batch answered 200 while the service stops is stored once (run last: it stops the service)', async () => {
    const line = (r: number) => (i: number) => `drain batch ${r} line ${i} flushed to segment ${i % 11}`;
    const sends = [1, 2, 3, 4, 5, 6].map((r) => post(JSON.stringify({ logs: batch('acme', 600, line(r)) })));
    // Once one is answered, the others are on their way or on a thread: stop now.
    await Promise.race(sends);
    await t.stop();
    const answers = await Promise.allSettled(sends);
    const accepted = answers.reduce(
      (n, a) =>
        n + (a.status === 'fulfilled' && a.value.status === 200 ? Number(a.value.body['accepted']) : 0),
      0,
    );
    assert.ok(accepted >= 600, 'at least the first batch was taken');
    // The others: answered 200 (stored below), 503 (draining), or not connected at all.
    for (const a of answers) if (a.status === 'fulfilled') assert.ok([200, 503].includes(a.value.status));
    const again = await startTestService({ INGEST_API_KEYS: `${ACME_KEY}:acme:read` }, t.dataDir);
    try {
      await again.flush();
      const res = await fetch(`${again.url}/logs?org=acme&limit=10000`, { headers: auth });
      const logs = ((await res.json()) as { logs: Array<{ message: string }> }).logs;
      const drained = logs.filter((l) => l.message.startsWith('drain batch '));
      assert.equal(drained.length, accepted);
      assert.equal(new Set(drained.map((l) => l.message)).size, accepted, 'none stored twice');
    } finally {
      await again.stop();
    }
  });
});
