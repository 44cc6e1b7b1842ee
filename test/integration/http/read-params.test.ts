import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postLogs, startTestService, type TestService } from '../../helpers/service.ts';

interface Log {
  level: string;
  service: string;
  host: string;
  message: string;
  template_id: number;
}
interface LogsPage {
  logs: Log[];
  next_cursor: string | null;
}
interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  field: string;
  errors: Array<{ field: string; code: string }>;
}

const BASE = Date.UTC(2026, 10, 3, 12, 0, 0);

describe('the read routes take the parameters they document, no others', { timeout: 60_000 }, () => {
  let t: TestService;
  let templateId: number;
  before(async () => {
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
    // 24 logs: levels sent in mixed case, three services, two hosts.
    const logs = Array.from({ length: 24 }, (_, i) => ({
      org: 'params',
      timestamp: BASE + i * 1000,
      level: ['error', 'Error', 'WARN', 'info'][i % 4],
      service: ['api', 'worker', 'billing'][i % 3],
      host: i % 2 === 0 ? 'web-1' : 'web-2',
      message: `Request ${i} served in ${i * 3} ms`,
    }));
    const res = await postLogs(t.url, logs);
    assert.equal(res.status, 200);
    await t.flush();
    const templates = (await (await fetch(`${t.url}/templates?org=params`)).json()) as {
      templates: Array<{ id: number }>;
    };
    templateId = templates.templates.find((tpl) => tpl.id !== 0)?.id ?? 0;
    assert.notEqual(templateId, 0);
  });
  after(async () => t.destroy());

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.url}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  /** Every log the filter gives, page by page (2 a page: the cursor is used with the filters). */
  const walk = async (filters: string): Promise<Log[]> => {
    const all: Log[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: LogsPage } = await get<LogsPage>(
        `/logs?org=params&limit=2&${filters}${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      all.push(...page.body.logs);
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    return all;
  };

  it('answers an unknown parameter 400 INVALID_PARAMETER naming it, on every read route', async () => {
    for (const path of [
      '/logs?org=params&levl=ERROR',
      '/templates?org=params&levl=ERROR',
      `/templates/${templateId}?org=params&levl=ERROR`,
      '/templates/compare?org=params&baseline_from=0&from=1&levl=ERROR',
      '/templates/changes?org=params&levl=ERROR',
    ]) {
      const { status, body } = await get<ErrorBody & { logs?: unknown; templates?: unknown }>(path);
      assert.equal(status, 400, path);
      assert.equal(body.code, 'INVALID_PARAMETER', path);
      assert.equal(body.field, 'levl', path);
      assert.match(body.message, /unknown query parameter levl: this endpoint takes org, /, path);
      // Nothing was answered but the error.
      assert.equal(body.logs, undefined, path);
      assert.equal(body.templates, undefined, path);
    }
  });

  it('names every unknown parameter, and lists what the route takes', async () => {
    const { status, body } = await get<ErrorBody>('/logs?org=params&levl=ERROR&sevice=api&level=ERROR');
    assert.equal(status, 400);
    assert.deepEqual(
      body.errors.map((e) => [e.field, e.code]),
      [
        ['levl', 'INVALID_PARAMETER'],
        ['sevice', 'INVALID_PARAMETER'],
      ],
    );
    assert.match(body.message, /parameters levl, sevice: this endpoint takes .*level, service, host/);
  });

  it('filters /logs by level in any case, as levels are stored in upper case', async () => {
    const errors = await walk('level=error');
    assert.equal(errors.length, 12);
    assert.ok(errors.every((log) => log.level === 'ERROR'));
    assert.deepEqual(
      (await walk('level=ERROR')).map((l) => l.message),
      errors.map((l) => l.message),
    );
    assert.equal((await walk('level=Warn')).length, 6);
    assert.equal((await walk('level=FATAL')).length, 0);
  });

  it('filters by service and host exactly, combined with each other, level, template and time', async () => {
    const api = await walk('service=api');
    assert.equal(api.length, 8);
    assert.ok(api.every((log) => log.service === 'api'));
    assert.equal((await walk('service=API')).length, 0, 'service is exact');

    const combined = await walk(`service=api&host=web-1&level=ERROR&template_id=${templateId}`);
    // i % 3 == 0 (api), i % 2 == 0 (web-1), i % 4 in {0, 1} (error): i = 0, 12.
    assert.deepEqual(
      combined.map((l) => l.message),
      ['Request 12 served in 36 ms', 'Request 0 served in 0 ms'],
    );
    const windowed = await walk(`host=web-2&from=${BASE + 10_000}&to=${BASE + 15_000}`);
    assert.deepEqual(
      windowed.map((l) => l.message),
      ['Request 15 served in 45 ms', 'Request 13 served in 39 ms', 'Request 11 served in 33 ms'],
    );
  });

  it('refuses a filter longer than any stored label, and a filter given twice', async () => {
    const long = await get<ErrorBody>(`/logs?org=params&host=${'h'.repeat(257)}`);
    assert.equal(long.status, 400);
    assert.equal(long.body.code, 'INVALID_VALUE');
    assert.equal(long.body.field, 'host');
    const twice = await get<ErrorBody>('/logs?org=params&level=ERROR&level=WARN');
    assert.equal(twice.status, 400);
    assert.equal(twice.body.code, 'INVALID_VALUE');
    assert.equal(twice.body.field, 'level');
  });
});
