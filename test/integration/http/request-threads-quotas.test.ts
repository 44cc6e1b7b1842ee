// The quotas the main thread owns, with the request path on worker threads (INGEST_THREADS=3: two workers):
// the org ceiling and the per-org rate limit are one for all threads, not one per thread.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { takesBody as takes } from '../../../src/threads/index.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

function batch(org: string, count: number, line: (i: number) => string): { org: string; message: string }[] {
  return Array.from({ length: count }, (_, i) => ({ org, message: line(i) }));
}

describe('request threads with quotas', () => {
  let q: TestService;
  before(async () => {
    q = await startTestService({
      INGEST_THREADS: '3',
      INGEST_RATE_LIMIT_LOGS_PER_SEC: '1',
      INGEST_RATE_LIMIT_BURST_LOGS: '1000',
      INGEST_MAX_LOGS_PER_REQUEST: '1000',
      ORGS_MAX: '1',
      CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    });
  });
  after(async () => {
    await q.destroy();
  });

  const send = (logs: object[]) => {
    const body = JSON.stringify({ logs });
    assert.ok(takes(Buffer.byteLength(body), false), 'a body a worker takes');
    return fetch(`${q.url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  };

  it('keeps one org ceiling and one rate limit for all threads', async () => {
    // The one org the ceiling takes, and a second one in the same batch: refused by index.
    const mixed: object[] = batch(
      'hooli',
      500,
      (i) => `index rebuilt ${i} for table customers_archive in shard 7 after compaction of segment files`,
    );
    mixed[499] = { org: 'piedpiper', message: 'compression ratio 5.2' };
    const first = await send(mixed);
    assert.equal(first.status, 200);
    const answer = (await first.json()) as {
      accepted: number;
      errors: Array<{ index: number; code: string }>;
    };
    assert.equal(answer.accepted, 499);
    assert.deepEqual(
      answer.errors.map((e) => [e.index, e.code]),
      [[499, 'TOO_MANY_ORGS']],
    );
    // 501 of the burst of 1,000 are left: of two concurrent batches of 400 on two threads,
    // one is taken, the other refused (429), as on one thread.
    const both = await Promise.all([
      send(
        batch(
          'hooli',
          400,
          (i) =>
            `index rebuilt again ${i} for table customers_archive in shard 7 after compaction of segment files`,
        ),
      ),
      send(
        batch(
          'hooli',
          400,
          (i) =>
            `index rebuilt once more ${i} for table customers_archive in shard 7 after compaction of segment files`,
        ),
      ),
    ]);
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 429]);
    await q.flush();
    const res = await fetch(`${q.url}/logs?org=hooli&limit=10000`);
    assert.equal(((await res.json()) as { logs: unknown[] }).logs.length, 499 + 400);
  });
});
