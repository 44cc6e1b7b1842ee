import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

// What a browser sends when its address bar is the service's address.
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const KEY = 'home-test-key-0123456789';

describe('GET / leads a browser to the page', { timeout: 60_000 }, () => {
  let t: TestService;
  // With API keys: a browser has none to send, and the page asks for it.
  before(async () => {
    t = await startTestService({ INGEST_API_KEYS: `${KEY}:*:write+read` });
  });
  after(async () => t.destroy());

  it('answers a browser 302 with Location /ui, without asking for a key', async () => {
    const res = await fetch(`${t.url}/`, { headers: BROWSER, redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/ui');
  });

  it('keeps the query, so a deep link to an org opens it', async () => {
    const res = await fetch(`${t.url}/?org=acme`, { headers: BROWSER, redirect: 'manual' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/ui?org=acme');
  });

  it('is still the Elasticsearch handshake for shippers and clients, which ask for JSON', async () => {
    const res = await fetch(`${t.url}/`, {
      headers: { accept: 'application/json', authorization: `Bearer ${KEY}` },
      redirect: 'manual',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { tagline?: string; version?: { number?: string } };
    assert.equal(body.tagline, 'You Know, for Search');
    assert.equal(res.headers.get('x-elastic-product'), 'Elasticsearch');
    // And without a key, as before: 401.
    const open = await fetch(`${t.url}/`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    assert.equal(open.status, 401);
  });
});
