import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeDataDir, startTestService, type TestService } from '../../helpers/service.ts';

// acme: write and read; every org: read only; beta: read only; from the keys file: beta, write only.
const ACME_RW = 'acme-rw-0123456789abcdef';
const ALL_READ = 'all-read-0123456789abcdef';
const BETA_READ = 'beta-read-0123456789abcdef';
const BETA_WRITE_FILE = 'beta-write-file-0123456789abcdef';

interface ErrorReply {
  code: string;
  message: string;
  org?: string;
  index?: number | null;
}
interface LogsReply {
  logs: Array<{ org: string; message: string }>;
}

let t: TestService;

before(async () => {
  const dir = await makeDataDir();
  const keysFile = path.join(dir, 'keys.json');
  await writeFile(keysFile, JSON.stringify([{ key: BETA_WRITE_FILE, orgs: ['beta'], scopes: ['write'] }]));
  t = await startTestService(
    {
      CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
      INGEST_API_KEYS: `${ACME_RW}:acme:write+read;${ALL_READ}:*:read;${BETA_READ}:beta:read`,
      INGEST_API_KEYS_FILE: keysFile,
    },
    dir,
  );
});
after(async () => {
  await t.destroy();
});

function auth(key: string | undefined): Record<string, string> {
  return key === undefined ? {} : { authorization: `Bearer ${key}` };
}

async function post(key: string | undefined, body: unknown): Promise<{ status: number; body: ErrorReply }> {
  const res = await fetch(`${t.url}/logs/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth(key) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ErrorReply };
}

async function get<T = ErrorReply>(
  key: string | undefined,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; res: Response }> {
  const res = await fetch(`${t.url}${url}`, { headers: { ...auth(key), ...headers } });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T, res };
}

async function messages(org: string): Promise<string[]> {
  await t.flush();
  const { status, body } = await get<LogsReply>(ALL_READ, `/logs?org=${org}&limit=10000`);
  assert.equal(status, 200);
  return body.logs.map((l) => l.message);
}

describe('API keys', () => {
  it('answers 401 with WWW-Authenticate without a key, on writes, reads and unknown routes', async () => {
    const checks = [
      await post(undefined, { org: 'acme', message: 'no key' }),
      await get(undefined, '/stats'),
      await get(undefined, '/logs?org=acme'),
      await get(undefined, '/templates?org=acme'),
      await get(undefined, '/no-such-route'),
    ];
    for (const { status, body } of checks) {
      assert.equal(status, 401);
      assert.equal(body.code, 'UNAUTHORIZED');
    }
    const { res } = await get(undefined, '/stats');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
  });

  it('takes the key as the password of Basic auth, or as an Elasticsearch ApiKey, as shippers send it', async () => {
    for (const header of [
      `Basic ${Buffer.from(`promtail:${ACME_RW}`).toString('base64')}`,
      `ApiKey ${Buffer.from(`id:${ACME_RW}`).toString('base64')}`,
    ]) {
      const { status } = await get(undefined, '/stats', { authorization: header });
      assert.equal(status, 200, header);
    }
  });

  it('answers 401 to an unknown key or another scheme', async () => {
    for (const header of [
      `Bearer ${ACME_RW}x`,
      `Bearer ${ACME_RW.slice(0, -1)}`,
      `Basic ${Buffer.from(`u:${ACME_RW}x`).toString('base64')}`,
      `Digest ${ACME_RW}`,
      'Bearer',
    ]) {
      const { status, body, res } = await get(undefined, '/stats', { authorization: header });
      assert.equal(status, 401, header);
      assert.equal(body.code, 'UNAUTHORIZED');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/);
    }
  });

  it('leaves GET /health and GET /metrics open', async () => {
    assert.equal((await get(undefined, '/health')).status, 200);
    const metrics = await get<string>(undefined, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /log_ingest_http_requests_total/);
  });

  it('takes a write for an org the key holds', async () => {
    const { status } = await post(ACME_RW, { org: 'acme', message: 'acme write accepted 1' });
    assert.equal(status, 200);
    assert.ok((await messages('acme')).includes('acme write accepted 1'));
  });

  it('answers 403 to a write into another org and stores nothing', async () => {
    const { status, body } = await post(ACME_RW, { org: 'beta', message: 'foreign single write' });
    assert.equal(status, 403);
    assert.equal(body.code, 'FORBIDDEN');
    assert.equal(body.org, 'beta');
    assert.match(body.message, /beta/);
    assert.ok(!(await messages('beta')).includes('foreign single write'));
  });

  it('refuses a whole batch with one foreign log, naming its org and index', async () => {
    const { status, body } = await post(ACME_RW, {
      logs: [
        { org: 'acme', message: 'batch with a foreign log 0' },
        { org: 'acme', message: 'batch with a foreign log 1' },
        { org: 'beta', message: 'batch with a foreign log 2' },
        { org: 'acme', message: 'batch with a foreign log 3' },
      ],
    });
    assert.equal(status, 403);
    assert.equal(body.code, 'FORBIDDEN');
    assert.equal(body.org, 'beta');
    assert.equal(body.index, 2);
    assert.match(body.message, /logs\[2\]/);
    const stored = [...(await messages('acme')), ...(await messages('beta'))];
    assert.deepEqual(
      stored.filter((m) => m.startsWith('batch with a foreign log')),
      [],
    );
  });

  it('names the NDJSON line of a foreign log', async () => {
    const res = await fetch(`${t.url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', ...auth(ACME_RW) },
      body: '{"org":"acme","message":"ndjson ok"}\n\n{"org":"gamma","message":"ndjson foreign"}\n',
    });
    assert.equal(res.status, 403);
    const body = (await res.json()) as ErrorReply;
    assert.equal(body.org, 'gamma');
    assert.equal(body.index, 2);
  });

  it('answers 403 to a write with a read-only key', async () => {
    for (const key of [ALL_READ, BETA_READ]) {
      const { status, body } = await post(key, { org: 'beta', message: 'read-only key write' });
      assert.equal(status, 403);
      assert.equal(body.code, 'FORBIDDEN');
      assert.match(body.message, /write scope/);
    }
    assert.ok(!(await messages('beta')).includes('read-only key write'));
  });

  it('limits reads to the key’s orgs', async () => {
    for (const url of ['/logs?org=acme', '/templates?org=acme']) {
      const { status, body } = await get(BETA_READ, url);
      assert.equal(status, 403, url);
      assert.equal(body.code, 'FORBIDDEN');
      assert.equal(body.org, 'acme');
    }
    assert.equal((await get(BETA_READ, '/logs?org=beta')).status, 200);
    assert.equal((await get(BETA_READ, '/templates?org=beta')).status, 200);
    assert.equal((await get(ACME_RW, '/logs?org=acme')).status, 200);
    assert.equal((await get(ACME_RW, '/logs?org=beta')).status, 403);
    assert.equal((await get(ALL_READ, '/templates?org=acme')).status, 200);
  });

  it('needs the read scope for GET /stats', async () => {
    assert.equal((await get(ALL_READ, '/stats')).status, 200);
    assert.equal((await get(BETA_READ, '/stats')).status, 200);
    const { status, body } = await get(BETA_WRITE_FILE, '/stats');
    assert.equal(status, 403);
    assert.equal(body.code, 'FORBIDDEN');
  });

  it('takes keys from INGEST_API_KEYS_FILE', async () => {
    const { status } = await post(BETA_WRITE_FILE, { org: 'beta', message: 'written with the file key' });
    assert.equal(status, 200);
    assert.equal((await post(BETA_WRITE_FILE, { org: 'acme', message: 'file key, foreign' })).status, 403);
    await t.flush();
    const { status: readStatus, body } = await get<LogsReply>(BETA_READ, '/logs?org=beta');
    assert.equal(readStatus, 200);
    assert.ok(body.logs.some((l) => l.message === 'written with the file key'));
    assert.ok(!(await messages('acme')).includes('file key, foreign'));
  });

  it('checks every request of a keep-alive connection, not only its first', async () => {
    // One socket for all: the service remembers the key it last verified on a connection,
    // and a different header on the same connection must be checked afresh.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (authorization: string, org: string) =>
      new Promise<{ status: number; port: number | undefined }>((resolve, reject) => {
        const req = http.request(
          `${t.url}/logs/ingest`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization } },
          (res) => {
            const port = res.socket.localPort;
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, port }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ org, message: `same connection ${authorization.slice(-4)}` }));
      });
    try {
      const answers = [
        await send(`Bearer ${ACME_RW}`, 'acme'),
        await send(`Bearer ${ACME_RW.slice(0, -1)}X`, 'acme'),
        await send(`Bearer ${ACME_RW}X`, 'acme'),
        await send(`Bearer ${ACME_RW.slice(0, -1)}`, 'acme'),
        await send(`Bearer ${BETA_WRITE_FILE}`, 'acme'),
        await send(`Bearer ${ACME_RW}`, 'beta'),
        await send(`bearer  ${ACME_RW} `, 'acme'),
        await send(`Basic ${ACME_RW}`, 'acme'),
        await send(`Bearer ${ACME_RW}`, 'acme'),
      ];
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 401, 401, 401, 403, 403, 200, 401, 200],
      );
      assert.equal(new Set(answers.map((a) => a.port)).size, 1, 'all on one connection');
    } finally {
      agent.destroy();
    }
  });
});
