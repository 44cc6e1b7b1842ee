import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postLogs, startTestService, type TestService } from '../../helpers/service.ts';

interface Entry {
  id: number;
  template: string | null;
  count: number;
  merged?: number[];
  curation?: {
    name: string;
    rule: string;
    sample_percent: number;
    merged_into: number | null;
    updated_by: string;
  };
}
interface Change {
  template_id: number;
  action: string;
  actor: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const BASE = Date.UTC(2026, 10, 20, 8, 0, 0);
const WINDOW = `from=${BASE - 1}&to=${BASE + 3_600_000}`;

describe('curation: seed, ingest rules, merges and the record of changes', { timeout: 120_000 }, () => {
  let t: TestService;
  let dataDir: string;
  let at = BASE;
  before(async () => {
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
    dataDir = t.dataDir;
  });
  after(async () => t.destroy());

  const ingest = async (org: string, messages: string[]) => {
    const logs = messages.map((message) => ({ org, message, timestamp: (at += 1000), level: 'info' }));
    const res = await postLogs(t.url, logs);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { accepted: number; matched: number };
  };
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const volume = async (org: string) =>
    ((await send('GET', `/templates?org=${org}&${WINDOW}`)).body as { templates: Entry[] }).templates;
  const idOf = async (org: string, text: string) => {
    const found = (await volume(org)).find((e) => e.template === text);
    assert.ok(found !== undefined, `no template ${text}`);
    return found.id;
  };
  const lines = async (org: string, templateId: number) =>
    ((await send('GET', `/logs?org=${org}&template_id=${templateId}&limit=1000`)).body as { logs: unknown[] })
      .logs.length;
  const changes = async (org: string) =>
    ((await send('GET', `/templates/changes?org=${org}`)).body as { changes: Change[] }).changes;

  it('a seeded template matches its first line on arrival, with its name', async () => {
    const seeded = await send(
      'POST',
      '/templates?org=shop',
      { template: 'Payment <*> declined for card <*>', name: 'Declined payments' },
      { 'x-actor': 'Ada' },
    );
    assert.equal(seeded.status, 201, JSON.stringify(seeded.body));
    assert.equal(seeded.body['source'], 'manual');
    const id = seeded.body['id'] as number;
    const first = await ingest('shop', ['Payment 42 declined for card 4242']);
    assert.equal(first.matched, 1);
    await t.flush();
    const logs = (await send('GET', `/logs?org=shop&template_id=${id}`)).body as {
      logs: Array<{ variables: string[] }>;
    };
    assert.deepEqual(
      logs.logs.map((l) => l.variables),
      [['42', '4242']],
    );
    const stats = (await send('GET', '/stats')).body as {
      quotas: { by_org: Record<string, { templates_created?: number }> };
    };
    assert.equal(stats.quotas.by_org['shop']?.templates_created, 1);
    const entry = (await volume('shop')).find((e) => e.id === id);
    assert.equal(entry?.curation?.name, 'Declined payments');
    const [change] = await changes('shop');
    assert.equal(change?.action, 'rename');
    assert.match(change?.actor ?? '', /^Ada \(open@/);
    assert.ok((await changes('shop')).some((c) => c.action === 'seed' && c.template_id === id));
    // A name in any script travels percent-encoded and is recorded decoded.
    const noted = await send(
      'PATCH',
      `/templates/${id}?org=shop`,
      { note: 'card network' },
      {
        'x-actor': encodeURIComponent('李雷'),
      },
    );
    assert.equal(noted.status, 200);
    assert.match((await changes('shop'))[0]?.actor ?? '', /^李雷 \(open@/);
    // A line break smuggled in percent-encoding does not reach the record.
    await send(
      'PATCH',
      `/templates/${id}?org=shop`,
      { note: 'card networks' },
      { 'x-actor': 'Ada%0AEvil%3A%201' },
    );
    assert.match((await changes('shop'))[0]?.actor ?? '', /^AdaEvil: 1 \(open@/);
  });

  it('a drop rule keeps counting the lines it does not store, and the rule survives a restart', async () => {
    await ingest(
      'ops',
      Array.from({ length: 10 }, (_, i) => `Heartbeat from node n${i} ok`),
    );
    await t.flush();
    const id = await idOf('ops', 'Heartbeat from node <*> ok');
    const dropped = await send('PATCH', `/templates/${id}?org=ops`, { rule: 'drop' });
    assert.equal(dropped.status, 200, JSON.stringify(dropped.body));
    const statsBefore = (await send('GET', '/stats')).body as { logs: { dropped_by_rule: number } };
    assert.equal(
      (
        await ingest(
          'ops',
          Array.from({ length: 20 }, (_, i) => `Heartbeat from node m${i} ok`),
        )
      ).matched,
      20,
    );
    await t.flush();
    const statsAfter = (await send('GET', '/stats')).body as { logs: { dropped_by_rule: number } };
    assert.equal(statsAfter.logs.dropped_by_rule - statsBefore.logs.dropped_by_rule, 20);
    // All 30 counted in the window, 10 lines readable.
    assert.equal((await volume('ops')).find((e) => e.id === id)?.count, 30);
    assert.equal(await lines('ops', id), 10);

    await t.stop();
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' }, dataDir);
    await ingest('ops', ['Heartbeat from node z1 ok']);
    await t.flush();
    assert.equal((await volume('ops')).find((e) => e.id === id)?.count, 31);
    assert.equal(await lines('ops', id), 10);
    // Back to keep: the next line is stored whole.
    assert.equal((await send('PATCH', `/templates/${id}?org=ops`, { rule: 'keep' })).status, 200);
    await ingest('ops', ['Heartbeat from node z2 ok']);
    await t.flush();
    assert.equal(await lines('ops', id), 11);
  });

  it('sample keeps about its share of the lines whole and counts every one', async () => {
    await ingest(
      'web',
      Array.from({ length: 5 }, (_, i) => `GET /static/a${i}.css took ${i} ms`),
    );
    await t.flush();
    const id = await idOf('web', 'GET <*> took <*> ms');
    const sampled = await send('PATCH', `/templates/${id}?org=web`, { rule: 'sample', sample_percent: 50 });
    assert.equal(sampled.status, 200);
    assert.equal((sampled.body['curation'] as Entry['curation'])?.sample_percent, 50);
    await ingest(
      'web',
      Array.from({ length: 400 }, (_, i) => `GET /static/b${i}.css took ${i} ms`),
    );
    await t.flush();
    assert.equal((await volume('web')).find((e) => e.id === id)?.count, 405);
    const kept = (await lines('web', id)) - 5;
    // Binomial(400, 0.5): 200 ± 10 (one standard deviation); 140..260 is six either side.
    assert.ok(kept > 140 && kept < 260, `kept ${kept} of 400`);
  });

  it('a merge reads as one template in lists, details and comparisons, and is undone', async () => {
    await ingest('app', [
      ...Array.from({ length: 6 }, (_, i) => `Worker w${i} started in pool alpha`),
      ...Array.from({ length: 4 }, (_, i) => `Worker process w${i} started`),
    ]);
    await t.flush();
    const a = await idOf('app', 'Worker process <*> started');
    const b = await idOf('app', 'Worker <*> started in pool alpha');
    const merged = await send('PATCH', `/templates/${a}?org=app`, { merged_into: b });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    const list = await volume('app');
    assert.equal(
      list.find((e) => e.id === a),
      undefined,
    );
    const target = list.find((e) => e.id === b);
    assert.equal(target?.count, 10);
    assert.deepEqual(target?.merged, [a]);
    const detail = (await send('GET', `/templates/${b}?org=app&${WINDOW}`)).body as {
      volume: { count: number };
      examples: Array<{ message: string }>;
    };
    assert.equal(detail.volume.count, 10);
    assert.ok(detail.examples.some((e) => e.message.startsWith('Worker process')));
    assert.equal(await lines('app', b), 10, "GET /logs of the target reads the merged template's lines too");
    const allTime = ((await send('GET', '/templates?org=app')).body as { templates: Entry[] }).templates;
    assert.equal(allTime.find((e) => e.id === b)?.count, 10);

    // A chain is refused: merging into a merged template, or merging a target away.
    const c = await ingest('app', ['Cache warmed with 10 entries', 'Cache warmed with 12 entries']);
    assert.equal(c.accepted, 2);
    await t.flush();
    const cache = await idOf('app', 'Cache warmed with <*> entries');
    assert.equal(
      (await send('PATCH', `/templates/${cache}?org=app`, { merged_into: a })).body['code'],
      'MERGE_CHAIN',
    );
    assert.equal(
      (await send('PATCH', `/templates/${b}?org=app`, { merged_into: cache })).body['code'],
      'MERGE_CHAIN',
    );

    assert.equal((await send('PATCH', `/templates/${a}?org=app`, { merged_into: null })).status, 200);
    const apart = await volume('app');
    assert.equal(apart.find((e) => e.id === a)?.count, 4);
    assert.equal(apart.find((e) => e.id === b)?.count, 6);
    assert.equal(await lines('app', b), 6);
    const record = (await changes('app')).filter((ch) => ch.template_id === a);
    assert.deepEqual(
      record.map((ch) => [ch.action, ch.before, ch.after]),
      [
        ['unmerge', { merged_into: b }, { merged_into: null }],
        ['merge', { merged_into: null }, { merged_into: b }],
      ],
    );
  });

  it('refuses what it cannot do with a clear error, and records nothing for it', async () => {
    await ingest('bad', ['Disk 1 full', 'Disk 2 full']);
    await t.flush();
    const id = await idOf('bad', 'Disk <*> full');
    const cases: Array<[string, string, unknown, number, string]> = [
      ['PATCH', `/templates/${id}?org=bad`, { colour: 'red' }, 400, 'UNKNOWN_FIELD'],
      ['PATCH', `/templates/${id}?org=bad`, { rule: 'sample', sample_percent: 150 }, 400, 'INVALID_VALUE'],
      ['PATCH', `/templates/${id}?org=bad`, { rule: 'sample' }, 400, 'MISSING_FIELD'],
      ['PATCH', `/templates/${id}?org=bad`, { rule: 'shred' }, 400, 'INVALID_VALUE'],
      ['PATCH', `/templates/${id}?org=bad`, { name: 'x'.repeat(201) }, 400, 'INVALID_VALUE'],
      ['PATCH', `/templates/${id}?org=bad`, '[1,2]', 400, 'INVALID_BODY'],
      ['PATCH', `/templates/${id}?org=bad`, { merged_into: id }, 409, 'MERGE_INTO_ITSELF'],
      ['PATCH', `/templates/${id}?org=bad`, { merged_into: 999_999 }, 404, 'TEMPLATE_NOT_FOUND'],
      // Another org's template is not this org's to curate.
      ['PATCH', `/templates/${id}?org=other`, { name: 'mine' }, 404, 'TEMPLATE_NOT_FOUND'],
      ['PATCH', `/templates/${id}`, { name: 'no org' }, 400, 'MISSING_FIELD'],
      ['POST', '/templates?org=bad', { template: 'Disk <*> full' }, 409, 'TEMPLATE_EXISTS'],
      ['POST', '/templates?org=bad', { template: '<*> <*>: <*>' }, 400, 'INVALID_TEMPLATE'],
      ['POST', '/templates?org=bad', { name: 'no text' }, 400, 'MISSING_FIELD'],
      // Over the 64 KB a curation body may have: refused before it is read whole.
      ['PATCH', `/templates/${id}?org=bad`, { note: 'x'.repeat(70_000) }, 413, 'BODY_TOO_LARGE'],
      ['POST', '/templates?org=bad', { template: 'Disk <*> ok', merged_into: id }, 400, 'UNKNOWN_FIELD'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await send(method, path, body);
      assert.equal(
        res.status,
        status,
        `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`,
      );
      assert.equal(res.body['code'], code, `${method} ${path} ${JSON.stringify(body)}`);
    }
    assert.deepEqual(await changes('bad'), []);
    assert.equal((await volume('bad')).find((e) => e.id === id)?.curation, undefined);
    assert.equal((await volume('bad')).length, 1);
  });
});

describe('curation with API keys: the curate scope, and who changed what', { timeout: 60_000 }, () => {
  let t: TestService;
  const writer = 'w-key-0123456789abcdef';
  const curator = 'c-key-0123456789abcdef';
  const reader = 'r-key-0123456789abcdef';
  before(async () => {
    t = await startTestService({
      INGEST_API_KEYS: `${writer}:acme:write+read;${curator}:acme:curate+read;${reader}:acme:read`,
      CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    });
  });
  after(async () => t.destroy());
  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('a write or read key cannot curate (told which scope would), a curate key cannot send logs, and the record names the key', async () => {
    assert.equal((await call(curator, 'POST', '/logs/ingest', { org: 'acme', message: 'hi' })).status, 403);
    // Either refusal names the scope that would allow the change.
    for (const key of [writer, reader]) {
      const refused = await call(key, 'POST', '/templates?org=acme', { template: 'Job <*> queued' });
      assert.deepEqual(
        [refused.status, refused.body['message']],
        [403, 'the API key lacks the curate scope'],
      );
    }
    assert.equal(
      (await call(curator, 'POST', '/templates?org=beta', { template: 'Job <*> queued' })).status,
      403,
    );
    const seeded = await call(curator, 'POST', '/templates?org=acme', { template: 'Job <*> queued' });
    assert.equal(seeded.status, 201);
    const { changes } = (await call(curator, 'GET', '/templates/changes?org=acme')).body as {
      changes: Change[];
    };
    const digest = (await import('node:crypto')).createHash('sha256').update(curator).digest('hex');
    assert.deepEqual(
      changes.map((c) => [c.action, c.actor]),
      [['seed', `key:${digest.slice(0, 12)}`]],
    );
    assert.equal(
      (await call(writer, 'POST', '/logs/ingest', { org: 'acme', message: 'Job 7 queued' })).body['matched'],
      1,
    );
  });
});
