import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

interface Volume {
  id: number;
  template: string | null;
  count: number;
  first_seen: string;
  last_seen: string;
  levels: Record<string, number>;
  series?: Array<{ time: string; count: number }>;
}
interface VolumeReply {
  org: string;
  from: string;
  to: string;
  step_seconds?: number;
  templates: Volume[];
}

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 10, 2, 9, 0, 0);

describe('GET /templates within a window: exact volume, level mix and series', { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
    // Three hours: "Disk N full" every hour (ERROR in the last), "User N logged in" only in the
    // first two, and in the last hour one line of more tokens than a template may have (stored
    // without a template, id 0).
    const logs: object[] = [];
    for (let h = 0; h < 3; h++) {
      for (let i = 0; i < 10; i++) {
        const at = BASE + h * HOUR + i * 60_000;
        logs.push({
          org: 'vol',
          timestamp: at,
          level: h === 2 ? 'error' : 'warn',
          message: `Disk ${i} full`,
        });
        if (h < 2) logs.push({ org: 'vol', timestamp: at + 1, message: `User u${i} logged in` });
      }
    }
    logs.push({ org: 'vol', timestamp: BASE + 2 * HOUR + 30 * 60_000, message: 'x '.repeat(1200).trim() });
    const res = await fetch(`${t.url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ logs }),
    });
    assert.equal(res.status, 200);
    await t.flush();
  });
  after(async () => t.destroy());

  const get = async (query: string) => {
    const res = await fetch(`${t.url}/templates?org=vol&${query}`);
    return { status: res.status, body: (await res.json()) as VolumeReply & { code?: string } };
  };
  const storedIn = async (from: number, to: number) => {
    const res = await fetch(`${t.url}/logs?org=vol&from=${from}&to=${to}&limit=1000`);
    return ((await res.json()) as { logs: unknown[] }).logs.length;
  };

  it('counts each template within the window, and the counts add up to the logs stored in it', async () => {
    for (const [from, to] of [
      [BASE, BASE + 3 * HOUR],
      [BASE + HOUR, BASE + 2 * HOUR - 1],
      [BASE + 2 * HOUR, BASE + 3 * HOUR],
      [BASE + 90 * 60_000, BASE + 150 * 60_000],
    ] as const) {
      const { status, body } = await get(`from=${new Date(from).toISOString()}&to=${to}`);
      assert.equal(status, 200);
      const total = body.templates.reduce((n, v) => n + v.count, 0);
      assert.equal(
        total,
        await storedIn(from, to),
        `${new Date(from).toISOString()}..${new Date(to).toISOString()}`,
      );
      for (const v of body.templates) {
        assert.equal(
          Object.values(v.levels).reduce((n, c) => n + c, 0),
          v.count,
          'the level mix adds up',
        );
        assert.ok(Date.parse(v.first_seen) >= from && Date.parse(v.last_seen) <= to);
      }
    }
    const last = (await get(`from=${BASE + 2 * HOUR}&to=${BASE + 3 * HOUR}`)).body.templates;
    assert.deepEqual(
      last.map((v) => [v.template, v.count, v.levels]),
      [
        ['Disk <*> full', 10, { ERROR: 10 }],
        [null, 1, { INFO: 1 }],
      ],
      'in the last hour: no User lines; the over-long line under id 0',
    );
    assert.equal(last[1]?.id, 0);
  });

  it('with step, a series per template from `from`, zeros included, that sums to its count', async () => {
    const { body } = await get(`from=${BASE}&to=${BASE + 3 * HOUR - 1}&step=1h`);
    assert.equal(body.step_seconds, 3600);
    const disk = body.templates.find((v) => v.template === 'Disk <*> full');
    const user = body.templates.find((v) => v.template === 'User <*> logged in');
    assert.deepEqual(
      disk?.series?.map((p) => [p.time, p.count]),
      [0, 1, 2].map((h) => [new Date(BASE + h * HOUR).toISOString(), 10]),
    );
    assert.deepEqual(
      user?.series?.map((p) => p.count),
      [10, 10, 0],
    );
    assert.deepEqual(user?.levels, { INFO: 20 });
  });

  it('GET /templates/{id}: its volume, latest lines and the values of each variable', async () => {
    const { body: list } = await get(`from=${BASE}&to=${BASE + 3 * HOUR}`);
    const disk = list.templates.find((v) => v.template === 'Disk <*> full');
    assert.ok(disk !== undefined);
    const res = await fetch(
      `${t.url}/templates/${disk.id}?org=vol&from=${BASE}&to=${BASE + 3 * HOUR}&step=1h`,
    );
    assert.equal(res.status, 200);
    const one = (await res.json()) as {
      template: string;
      volume: { count: number; levels: Record<string, number>; series: Array<{ count: number }> };
      examples: Array<{ message: string; variables: string[] }>;
      variables: Array<{ position: number; distinct: number; top: Array<{ value: string; count: number }> }>;
    };
    assert.equal(one.template, 'Disk <*> full');
    assert.deepEqual([one.volume.count, one.volume.levels], [30, { WARN: 20, ERROR: 10 }]);
    assert.deepEqual(
      one.volume.series.map((p) => p.count),
      [10, 10, 10, 0],
    );
    assert.equal(one.examples.length, 5);
    assert.ok(one.examples.every((e) => e.message === `Disk ${e.variables[0]} full`));
    assert.deepEqual(one.variables.length, 1);
    assert.equal(one.variables[0]?.distinct, 10);
    assert.deepEqual(
      one.variables[0]?.top.map((v) => [v.value, v.count]),
      Array.from({ length: 10 }, (_, i) => [String(i), 3]),
    );

    const other = await fetch(`${t.url}/templates/${disk.id}?org=someone-else`);
    assert.equal(other.status, 404, 'templates are private to their org');
    assert.equal(((await other.json()) as { code: string }).code, 'TEMPLATE_NOT_FOUND');
    const bad = await fetch(`${t.url}/templates/abc?org=vol`);
    assert.equal(bad.status, 400);
  });

  it('GET /templates/compare: the last hour against the first, new, gone and changed by significance', async () => {
    const res = await fetch(
      `${t.url}/templates/compare?org=vol&baseline_from=${BASE}&baseline_to=${BASE + HOUR - 1}&from=${BASE + 2 * HOUR}&to=${BASE + 3 * HOUR - 1}`,
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      unchanged: number;
      templates: Array<{ template: string | null; status: string; baseline_count: number; count: number }>;
    };
    assert.deepEqual(
      body.templates.map((c) => [c.template, c.status, c.baseline_count, c.count]),
      [
        ['User <*> logged in', 'gone', 10, 0],
        [null, 'new', 0, 1],
      ],
    );
    assert.equal(body.unchanged, 1, 'Disk <*> full: 10 and 10');
    const missing = await fetch(`${t.url}/templates/compare?org=vol&from=${BASE}`);
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { code: string }).code, 'MISSING_FIELD');
  });

  it("GET /loki/api/v1/patterns: Loki's shape, <_> for variables, the selector honoured", async () => {
    const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
    const patterns = async (query: string, org: string | null = 'vol') => {
      const params = new URLSearchParams({
        query,
        start: ns(BASE),
        end: ns(BASE + 3 * HOUR - 1),
        step: '1h',
      });
      const res = await fetch(`${t.url}/loki/api/v1/patterns?${params.toString()}`, {
        headers: org === null ? {} : { 'X-Scope-OrgID': org },
      });
      return {
        status: res.status,
        body: (await res.json()) as {
          status: string;
          data: Array<{ pattern: string; samples: number[][] }>;
          code?: string;
        },
      };
    };
    const all = await patterns('{}');
    assert.equal(all.body.status, 'success');
    assert.deepEqual(all.body.data.map((d) => [d.pattern, d.samples]).sort(), [
      ['Disk <_> full', [0, 1, 2].map((h) => [(BASE + h * HOUR) / 1000, 10])],
      ['User <_> logged in', [0, 1].map((h) => [(BASE + h * HOUR) / 1000, 10])],
    ]);
    const errors = await patterns('{detected_level=~"err.*"}');
    assert.deepEqual(
      errors.body.data.map((d) => [d.pattern, d.samples]),
      [['Disk <_> full', [[(BASE + 2 * HOUR) / 1000, 10]]]],
    );
    assert.deepEqual((await patterns('{service_name="nope"}')).body.data, []);
    const bad = await patterns('{level="warn"} |= "disk"');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'INVALID_QUERY');
    assert.equal((await patterns('{}', null)).body.code, 'MISSING_ORG');
  });

  it('without a window, all-time counts with the logs without a template, and bad windows and steps are refused', async () => {
    const all = await fetch(`${t.url}/templates?org=vol`);
    const body = (await all.json()) as {
      total: number;
      templates: Array<{ id: number; count: number; levels?: unknown; reasons?: Array<{ reason: string }> }>;
    };
    // Two templates and id 0, the line of more tokens than a template may have: every log counted.
    assert.equal(body.total, 3);
    assert.equal(
      body.templates.reduce((n, v) => n + v.count, 0),
      await storedIn(0, BASE + 3 * HOUR),
    );
    assert.deepEqual(
      body.templates.find((v) => v.id === 0)?.reasons?.map((r) => r.reason),
      ['over_token_limit'],
    );
    assert.equal(body.templates[0]?.levels, undefined);
    for (const [query, code] of [
      [`from=${BASE + HOUR}&to=${BASE}`, 'INVALID_RANGE'],
      [`from=${BASE}&to=${BASE + 3 * HOUR}&step=1`, 'TOO_MANY_STEPS'],
      ['step=0', 'INVALID_VALUE'],
      ['step=5y', 'INVALID_VALUE'],
      ['from=yesterday', 'INVALID_TIMESTAMP'],
    ] as const) {
      const { status, body: error } = await get(query);
      assert.equal(status, 400, query);
      assert.equal(error.code, code, query);
    }
  });
});
