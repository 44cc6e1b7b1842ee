import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';

// Storage really fails here: the logs table is detached from the real embedded engine,
// so inserts fail the way they do when a server is away, and come back when it returns.
let t: TestService;

before(async () => {
  t = await startTestService({
    CLICKHOUSE_BUFFER_SIZE: '10',
    CLICKHOUSE_BUFFER_MAX_ROWS: '50',
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '0.05',
    CLICKHOUSE_RETRY_INITIAL_BACKOFF_MS: '20',
    CLICKHOUSE_RETRY_MAX_BACKOFF_MS: '100',
  });
});
after(async () => {
  await t.destroy();
});

async function ingest(count: number, from: number) {
  const logs = Array.from({ length: count }, (_, i) => ({
    org: 'bp',
    message: `Job ${from + i} finished with code 0`,
  }));
  return t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: { logs },
  });
}

describe('a full write buffer', () => {
  it('answers 503 with Retry-After instead of growing, reports unhealthy, and loses nothing', async () => {
    // Learn the template first so the next logs go straight to the write buffer.
    assert.equal((await ingest(1, 0)).statusCode, 200);
    await t.flush();

    await t.service.store.client.command({ query: 'DETACH TABLE log_ingest.logs' });
    let accepted = 1;
    let refused: Awaited<ReturnType<typeof ingest>> | undefined;
    for (let round = 0; round < 100 && refused === undefined; round++) {
      const res = await ingest(20, 1 + round * 20);
      if (res.statusCode === 200) accepted += res.json<{ accepted: number }>().accepted;
      else refused = res;
    }
    assert.ok(refused, 'ingestion was refused once the buffer was full');
    assert.equal(refused.statusCode, 503);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal(refused.json<{ code: string }>().code, 'OVERLOADED');
    const stats = (await t.service.app.inject({ url: '/stats' })).json<{
      buffer: { rows: number; in_flight_rows: number };
    }>();
    assert.ok(stats.buffer.rows + stats.buffer.in_flight_rows <= 50 + 20, 'the buffer stayed at its ceiling');

    // Refused before the body is read: a request that announces 1 MB and sends none of it
    // still gets its 503 (over a real socket; inject() would hand over the whole body).
    const early = await new Promise<{ status: number | undefined; retryAfter: unknown }>(
      (resolve, reject) => {
        const req = request(`${t.url}/logs/ingest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(1_000_000) },
        });
        req.on('response', (res) => {
          resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'] });
          res.resume();
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      },
    );
    assert.equal(early.status, 503);
    assert.ok(Number(early.retryAfter) >= 1);

    // The failed insert may still be on its way back when the buffer fills up.
    const health = await eventually(async () => {
      const res = await t.service.app.inject({ url: '/health' });
      return res.statusCode === 503 ? res : undefined;
    }, 'health to report the failing writes');
    assert.equal(health.json<{ status: string }>().status, 'unhealthy');
    assert.ok(health.json<{ reason: string }>().reason.length > 0);

    await t.service.store.client.command({ query: 'ATTACH TABLE log_ingest.logs' });
    await eventually(
      async () => ((await t.service.app.inject({ url: '/health' })).statusCode === 200 ? true : undefined),
      'healthy again',
    );
    await t.flush();
    const res = await t.service.app.inject({ url: '/logs?org=bp&limit=10000' });
    const messages = res.json<{ logs: Array<{ message: string }> }>().logs.map((l) => l.message);
    assert.equal(messages.length, accepted, 'every accepted log stored');
    assert.equal(new Set(messages).size, accepted, 'and stored once');
  });
});
