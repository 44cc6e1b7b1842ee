import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

const KEY = 'ui-files-test-key-0123456789';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET sent with its path exactly as written: fetch() would resolve `..` before sending. */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the explorer page’s files at /ui', { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    // With API keys: the page must still load without one, the API it calls must not.
    t = await startTestService({
      INGEST_API_KEYS: `${KEY}:acme:read`,
      CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    });
  });
  after(async () => t.destroy());

  it('serves the page and every file it loads without a key, with their content types', async () => {
    const page = await rawGet(t.url, '/ui?org=acme');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    const assets = [...page.body.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]!);
    const imported = [...page.body.matchAll(/"(\/ui\/vendor\/[^"]+)"/g)].map((m) => m[1]!);
    assert.deepEqual([...assets, ...imported].sort(), [
      '/ui/app.js',
      '/ui/icon.svg',
      '/ui/styles.css',
      '/ui/vendor/htm.mjs',
      '/ui/vendor/preact-hooks.mjs',
      '/ui/vendor/preact.mjs',
    ]);
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      mjs: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      svg: 'image/svg+xml',
    };
    for (const path of [...assets, ...imported]) {
      const res = await rawGet(t.url, path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['content-type'], types[path.split('.').pop()!], path);
      assert.ok(res.body.length > 0, path);
    }
    assert.equal((await rawGet(t.url, '/ui/')).body, page.body, '/ui/ is the page too');
    // The data behind it is not open.
    const api = await rawGet(t.url, '/templates?org=acme');
    assert.equal(api.status, 401);
    assert.equal(
      (await rawGet(t.url, '/templates?org=acme', { authorization: `Bearer ${KEY}` })).status,
      200,
    );
  });

  it('sends a strict Content-Security-Policy: scripts from here, the import map by its hash, nothing inline', async () => {
    const page = await rawGet(t.url, '/ui');
    const csp = String(page.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values];
      }),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    const scripts = directives.get('script-src') ?? [];
    assert.equal(scripts[0], "'self'");
    assert.equal(scripts.length, 2);
    assert.match(scripts[1]!, /^'sha256-[A-Za-z0-9+/]{43}='$/);
    assert.deepEqual(directives.get('style-src'), ["'self'"]);
    assert.deepEqual(directives.get('connect-src'), ["'self'"]);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
    assert.ok(!csp.includes('unsafe'), csp);
    // Every inline script is the import map, which the hash names.
    const inline = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].filter(
      (m) => m[2]!.trim() !== '',
    );
    assert.deepEqual(
      inline.map((m) => m[1]),
      [' type="importmap"'],
    );
    const { createHash } = await import('node:crypto');
    assert.equal(scripts[1], `'sha256-${createHash('sha256').update(inline[0]![2]!).digest('base64')}'`);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
  });

  it('has every answer revalidated: no-cache with an ETag, 304 when unchanged', async () => {
    for (const path of ['/ui', '/ui/app.js', '/ui/vendor/preact.mjs']) {
      const first = await rawGet(t.url, path);
      assert.equal(first.headers['cache-control'], 'no-cache', path);
      const etag = String(first.headers.etag);
      assert.match(etag, /^"[\w-]+"$/, path);
      const again = await rawGet(t.url, path, { 'if-none-match': etag });
      assert.equal(again.status, 304, path);
      assert.equal(again.body, '', path);
      assert.equal((await rawGet(t.url, path, { 'if-none-match': '"other"' })).status, 200, path);
    }
  });

  it('serves only its own files: paths out of the folder and files not read at start are 404', async () => {
    for (const path of [
      '/ui/../package.json',
      '/ui/..%2fpackage.json',
      '/ui/%2e%2e/package.json',
      '/ui/%2e%2e%2f%2e%2e%2fpackage.json',
      '/ui/vendor/../../package.json',
      '/ui/vendor/preact.mjs.map',
      '/ui//etc/passwd',
      '/ui/tsconfig.json',
      '/ui/app.js%00',
      '/ui/APP.JS',
      '/ui/lib',
      '/ui/nope.js',
      '/ui/../src/config.ts',
    ]) {
      const res = await rawGet(t.url, path);
      assert.equal(res.status, 404, path);
      assert.equal((JSON.parse(res.body) as { code: string }).code, 'NOT_FOUND', path);
      assert.ok(!res.body.includes('"version"') && !res.body.includes('compilerOptions'), path);
    }
  });
});
