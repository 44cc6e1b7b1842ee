// What one tenant sees of the others: nothing. /stats with a key for some orgs lists only those
// orgs' per-org counts and no error texts; /health answers anyone, in words, without the
// engine's error text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

const ACME = 'tenant-view-acme-key-0123456789';
const OPERATOR = 'tenant-view-all-orgs-key-012345';

let t: TestService;
before(async () => {
  t = await startTestService({
    INGEST_API_KEYS: `${ACME}:acme:write+read;${OPERATOR}:*:write+read`,
    INGEST_RATE_LIMIT_LOGS_PER_SEC: '1',
    INGEST_RATE_LIMIT_BURST_LOGS: '10',
    INGEST_MAX_LOGS_PER_REQUEST: '10',
  });
});
after(() => t.destroy());

async function call(
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${t.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as unknown, text };
}

const logs = (org: string, n: number) => ({
  logs: Array.from({ length: n }, (_, i) => ({ org, message: `Job ${i} done` })),
});

interface Stats {
  quotas: { by_org: Record<string, unknown> };
  storage: { last_error: string | null };
}

describe("one tenant's view", () => {
  it('/stats with a key for some orgs lists only their per-org counts; a key for every org sees all', async () => {
    // Both orgs go over their rate: each is listed in by_org.
    for (const [org, key] of [
      ['acme', ACME],
      ['beta', OPERATOR],
    ] as const) {
      assert.equal((await call('/logs/ingest', key, logs(org, 10))).status, 200);
      assert.equal((await call('/logs/ingest', key, logs(org, 10))).status, 429);
    }
    const tenant = (await call('/stats', ACME)).body as Stats;
    assert.deepEqual(Object.keys(tenant.quotas.by_org), ['acme']);
    const operator = (await call('/stats', OPERATOR)).body as Stats;
    assert.deepEqual(Object.keys(operator.quotas.by_org).sort(), ['acme', 'beta']);
  });

  it('/health says what is wrong with storage in words, without its error text', async () => {
    const store = t.service.store;
    const health = store.health.bind(store);
    const secret = 'connect ECONNREFUSED 10.9.8.7:9000 (/var/lib/secret-path/store)';
    store.health = () => Promise.resolve({ connected: false, reason: secret });
    try {
      const res = await fetch(`${t.url}/health`);
      const text = await res.text();
      assert.equal(res.status, 503);
      assert.match(text, /ClickHouse is unreachable/);
      assert.doesNotMatch(text, /10\.9\.8\.7|secret-path|ECONNREFUSED/);
      store.health = () => Promise.resolve({ connected: true, reason: `writes are failing: ${secret}` });
      const failing = await (await fetch(`${t.url}/health`)).text();
      assert.match(failing, /writes to ClickHouse are failing/);
      assert.doesNotMatch(failing, /10\.9\.8\.7|secret-path|ECONNREFUSED/);
    } finally {
      store.health = health;
    }
  });
});
