import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';

interface TemplatesReply {
  org: string;
  templates: Array<{
    id: number;
    template: string;
    count: number;
    first_seen: string;
    last_seen: string;
    source: string;
  }>;
}
interface LogsReply {
  logs: Array<{
    message: string;
    template_id: number;
    template: string | null;
    variables: string[];
    timestamp: string;
    host: string;
  }>;
  next_cursor: string | null;
}

let t: TestService;
const BASE = Date.UTC(2025, 0, 15, 10, 0, 0);

before(async () => {
  t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
  // 30 logs of two kinds, one second apart, oldest first.
  const logs = Array.from({ length: 30 }, (_, i) => ({
    org: 'reads',
    host: `web-${i % 3}`,
    timestamp: BASE + i * 1000,
    message: i % 2 === 0 ? `Request ${i} served in ${i * 3} ms` : `Cache miss for key user:${i}`,
  }));
  const res = await fetch(`${t.url}/logs/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ logs }),
  });
  assert.equal(res.status, 200);
  await t.flush();
});
after(async () => {
  await t.destroy();
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${t.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

describe('status endpoints over a real socket', () => {
  it('GET /health reports healthy with the templates loaded', async () => {
    const { status, body } = await get<{
      status: string;
      templates_loaded: number;
      clickhouse_connected: boolean;
    }>('/health');
    assert.equal(status, 200);
    assert.equal(body.status, 'healthy');
    assert.equal(body.clickhouse_connected, true);
    assert.ok(body.templates_loaded >= 2);
  });

  it('GET /stats has the original fields and the counters', async () => {
    const { body } = await get<
      Record<string, unknown> & { logs: { accepted: number }; storage: { rows_written: number } }
    >('/stats');
    assert.equal(typeof body['templates_loaded'], 'number');
    assert.equal(typeof body['optimal_batch_size'], 'number');
    assert.equal(body.logs.accepted, 30);
    assert.equal(body.storage.rows_written, 30);
  });

  it('GET /metrics serves Prometheus text with the monitoring metrics', async () => {
    const res = await fetch(`${t.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    for (const name of [
      'log_ingest_http_requests_total',
      'log_ingest_logs_accepted_total 30',
      'log_ingest_match_rate',
      'log_ingest_batch_size_bucket',
      'log_ingest_generate_queue_depth',
      'log_ingest_templates_created_total',
      'log_ingest_generate_retries_total',
      'log_ingest_clickhouse_flushes_total',
      'log_ingest_clickhouse_flush_duration_seconds_bucket',
      'log_ingest_clickhouse_buffer_utilization',
      'log_ingest_clickhouse_write_errors_total',
      'log_ingest_process_cpu_seconds_total',
      'log_ingest_process_resident_memory_bytes',
    ]) {
      assert.ok(text.includes(name), `metrics lack ${name}`);
    }
  });
});

describe('read API', () => {
  it('GET /templates lists the learned templates with counts and first/last seen', async () => {
    const { status, body } = await get<TemplatesReply>('/templates?org=reads');
    assert.equal(status, 200);
    assert.equal(body.templates.length, 2, JSON.stringify(body.templates.map((x) => x.template)));
    assert.deepEqual(body.templates.map((x) => x.count).sort(), [15, 15]);
    for (const tpl of body.templates) {
      assert.equal(tpl.source, 'builtin');
      assert.ok(tpl.template.includes('<*>'));
      assert.ok(Date.parse(tpl.first_seen) <= Date.parse(tpl.last_seen));
    }
  });

  it('GET /logs returns newest first with templates and variables', async () => {
    const { body } = await get<LogsReply>('/logs?org=reads&limit=5');
    assert.equal(body.logs.length, 5);
    assert.equal(body.logs[0]?.timestamp, new Date(BASE + 29_000).toISOString());
    for (let i = 1; i < body.logs.length; i++) {
      assert.ok(Date.parse(body.logs[i - 1]!.timestamp) >= Date.parse(body.logs[i]!.timestamp));
    }
    assert.ok(body.logs.every((l) => l.template !== null && l.variables.length > 0));
  });

  it('filters by template, text and time range', async () => {
    const templates = (await get<TemplatesReply>('/templates?org=reads')).body.templates;
    const cache = templates.find((x) => x.template.startsWith('Cache miss'));
    assert.ok(cache);
    const byTemplate = await get<LogsReply>(`/logs?org=reads&template_id=${cache.id}`);
    assert.equal(byTemplate.body.logs.length, 15);
    const byText = await get<LogsReply>(`/logs?org=reads&q=${encodeURIComponent('user:7')}`);
    assert.deepEqual(
      byText.body.logs.map((l) => l.message),
      ['Cache miss for key user:7'],
    );
    const from = new Date(BASE + 10_000).toISOString();
    const to = new Date(BASE + 19_000).toISOString();
    const byTime = await get<LogsReply>(`/logs?org=reads&from=${from}&to=${to}`);
    assert.equal(byTime.body.logs.length, 10);
  });

  it('pages with a cursor without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: { body: LogsReply } = await get<LogsReply>(`/logs?org=reads&limit=7${query}`);
      seen.push(...page.body.logs.map((l) => l.message));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
  });

  it('requires org and validates parameters', async () => {
    for (const path of [
      '/logs',
      '/templates',
      '/logs?org=reads&limit=0',
      '/logs?org=reads&limit=10001',
      '/logs?org=reads&from=never',
      '/logs?org=reads&template_id=-1',
    ]) {
      const res = await get<{ code: string; field: string }>(path);
      assert.equal(res.status, 400, path);
    }
    const missing = await get<{ code: string; field: string }>('/logs');
    assert.equal(missing.body.field, 'org');
  });

  it('refuses a time bound outside 1970-2299 instead of moving it (year 0075 is not 1975)', async () => {
    for (const path of [
      '/logs?org=reads&from=0075-01-01',
      '/logs?org=reads&to=2300-01-01T00:00:00Z',
      '/logs?org=reads&to=99999999999999',
    ]) {
      const res = await get<{ code: string; field: string }>(path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.code, 'INVALID_TIMESTAMP', path);
    }
  });

  it('refuses a parameter given more than once with 400 INVALID_VALUE', async () => {
    // Found by the HTTP fuzzer: a repeated parameter arrives as an array, and was a 500.
    for (const path of [
      '/logs?org=reads&org=reads',
      '/templates?org=reads&org=',
      '/logs?org=reads&limit=5&limit=6',
      '/logs?org=reads&from=1&from=2',
      '/logs?org=reads&template_id=1&template_id=1',
      '/logs?org=reads&q=a&q=b',
      '/logs?org=reads&cursor=a&cursor=b',
    ]) {
      const res = await get<{ code: string; field: string }>(path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.code, 'INVALID_VALUE', path);
    }
  });

  it('treats SQL in parameters as data', async () => {
    // An org is letters, digits and a few signs: SQL in it is refused before any query runs.
    const res = await get<{ code: string }>(`/logs?org=${encodeURIComponent("reads' OR 1=1 --")}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'INVALID_ORG');
    const quoted = await get<LogsReply>(`/logs?org=${encodeURIComponent("reads'--")}`);
    assert.equal(quoted.status, 200);
    assert.equal(quoted.body.logs.length, 0);
    const q = await get<LogsReply>(`/logs?org=reads&q=${encodeURIComponent("'); DROP TABLE logs; --")}`);
    assert.equal(q.status, 200);
    assert.equal(q.body.logs.length, 0);
    assert.equal((await get<LogsReply>('/logs?org=reads&limit=100')).body.logs.length, 30);
  });
});

describe('restart', () => {
  it('keeps templates and logs across a restart', async () => {
    const before = (await get<TemplatesReply>('/templates?org=reads')).body.templates.map((x) => x.id).sort();
    await t.stop();
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' }, t.dataDir);
    const health = await get<{ templates_loaded: number }>('/health');
    assert.ok(health.body.templates_loaded >= 2);
    const afterIds = (await get<TemplatesReply>('/templates?org=reads')).body.templates
      .map((x) => x.id)
      .sort();
    assert.deepEqual(afterIds, before);
    assert.equal((await get<LogsReply>('/logs?org=reads')).body.logs.length, 30);
    // A log of a known kind matches on arrival: the matcher was loaded from storage.
    const res = await fetch(`${t.url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ org: 'reads', message: 'Cache miss for key user:99' }),
    });
    assert.equal(((await res.json()) as { matched: number }).matched, 1);
    await eventually(
      async () => ((await get<{ status: string }>('/health')).status === 200 ? true : undefined),
      'healthy',
    );
  });
});
