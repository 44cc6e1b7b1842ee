// Orgs as a bounded resource on the real service (issue 15, point 1): a ceiling on orgs that
// holds across a restart, nothing kept for refused orgs, and idle orgs' matching indexes
// dropped from memory and rebuilt at their next log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';

const MAX = 30;
let t: TestService;

before(async () => {
  t = await startTestService({
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    ORGS_MAX: String(MAX),
    ORG_IDLE_UNLOAD_SECS: '1',
  });
});
after(async () => {
  await t.destroy();
});

interface Stats {
  quotas: { orgs: number; org_ceiling_logs: number };
  orgs: { with_templates: number; indexed: number };
}

async function stats(): Promise<Stats> {
  return (await t.service.app.inject({ url: '/stats' })).json<Stats>();
}

async function post(logs: Array<{ org: string; message: string }>) {
  return t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify({ logs }),
    headers: { 'content-type': 'application/json' },
  });
}

async function storedCount(org: string): Promise<number> {
  const res = await t.service.app.inject({ url: `/logs?org=${org}&limit=1000` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ logs: unknown[] }>().logs.length;
}

describe('orgs', () => {
  it('each log of a new org past ORGS_MAX is refused with TOO_MANY_ORGS, and nothing is kept for it', async () => {
    // As in the finding: requests whose every log names a new org.
    for (let r = 0; r < 4; r++) {
      const logs = Array.from({ length: 20 }, (_, k) => ({
        org: `tenant-${r * 20 + k}`,
        message: `user u${k} logged in from 10.0.0.${k}`,
      }));
      const res = await post(logs);
      const body = res.json<{
        accepted: number;
        failed: number;
        errors?: Array<{ code: string; field: string }>;
      }>();
      const room = Math.max(0, Math.min(20, MAX - r * 20));
      if (room === 0) {
        assert.equal(res.statusCode, 400, res.body);
        assert.match(res.body, /TOO_MANY_ORGS/);
      } else {
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(body.accepted, room);
        assert.equal(body.failed, 20 - room);
        if (room < 20)
          assert.deepEqual(body.errors?.[0], { ...body.errors?.[0], code: 'TOO_MANY_ORGS', field: 'org' });
      }
    }
    await t.flush();
    const s = await stats();
    assert.equal(s.quotas.orgs, MAX);
    assert.equal(s.quotas.org_ceiling_logs, 80 - MAX);
    assert.ok(s.orgs.with_templates <= MAX, `${s.orgs.with_templates} orgs with templates`);
    assert.equal(await storedCount('tenant-0'), 1);
    assert.equal(await storedCount(`tenant-${MAX}`), 0, 'a refused org has nothing stored');
    const templates = await t.service.app.inject({ url: `/templates?org=tenant-${MAX}` });
    assert.deepEqual(templates.json<{ templates: unknown[] }>().templates, []);
  });

  it('idle orgs lose their matching index and get it back at their next log', async () => {
    const line = [{ org: 'tenant-0', message: 'user u0 logged in from 10.0.0.5' }];
    assert.equal((await post(line)).json<{ matched: number }>().matched, 1);
    assert.ok((await stats()).orgs.indexed >= 1, 'matching built the org its index');
    await eventually(
      async () => ((await stats()).orgs.indexed === 0 ? true : undefined),
      'idle orgs unloaded',
    );
    assert.ok((await stats()).orgs.with_templates > 0, 'the templates stay known');
    assert.equal(
      (await post(line)).json<{ matched: number }>().matched,
      1,
      'matched at once, by the rebuilt index',
    );
    assert.ok((await stats()).orgs.indexed >= 1);
  });

  it('the ceiling holds across a restart: stored orgs count, a new one is still refused', async () => {
    await t.stop();
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600', ORGS_MAX: String(MAX) }, t.dataDir);
    const known = await post([{ org: 'tenant-1', message: 'user u1 logged in from 10.0.0.8' }]);
    assert.equal(known.statusCode, 200, known.body);
    assert.equal(known.json<{ matched: number }>().matched, 1);
    const fresh = await post([{ org: 'brand-new', message: 'user u1 logged in from 10.0.0.1' }]);
    assert.equal(fresh.statusCode, 400, fresh.body);
    assert.match(fresh.body, /TOO_MANY_ORGS/);
    const s = await stats();
    assert.equal(s.orgs.indexed, 1, 'after a start only the org that sent has its index built');
  });
});
