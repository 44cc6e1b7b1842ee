// Clients that hold connections: a body that never arrives whole, more connections than the
// service takes, more than one address may hold. Each gets a bounded, clear answer, and
// nothing of a request that never arrived whole is stored.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

let svc: TestService;
before(async () => {
  svc = await startTestService({
    INGEST_REQUEST_TIMEOUT_SECS: '1',
    INGEST_MAX_CONNECTIONS: '12',
    INGEST_MAX_CONNECTIONS_PER_CLIENT: '4',
  });
});
after(() => svc.destroy());

function address(): { host: string; port: number } {
  const url = new URL(svc.url);
  return { host: url.hostname, port: Number(url.port) };
}

/** A raw connection; `answer` resolves with everything the server sent once it closes. */
function connect(from = '127.0.0.1'): Promise<{ socket: net.Socket; answer: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...address(), localAddress: from });
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    const answer = new Promise<string>((done) => socket.once('close', () => done(received)));
    socket.once('connect', () => resolve({ socket, answer }));
    socket.once('error', reject);
  });
}

async function storedFor(org: string): Promise<number> {
  await svc.flush();
  const res = await fetch(`${svc.url}/logs?org=${org}&limit=100`);
  return ((await res.json()) as { logs: unknown[] }).logs.length;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)),
  ]);
}

describe('slow and greedy clients', () => {
  it('a body shorter than its Content-Length gets 408 once INGEST_REQUEST_TIMEOUT_SECS passes, and nothing is stored', async () => {
    const { socket, answer } = await connect();
    const body = '{"org":"slow1","message":"never finished"}';
    socket.write(
      `POST /logs/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n${body.slice(0, 14)}`,
    );
    const text = await within(answer, 5000, 'the short body');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.equal(await storedFor('slow1'), 0);
  });

  it('a chunked body without its last chunk gets 408, and nothing is stored', async () => {
    const { socket, answer } = await connect();
    const body = '{"org":"slow2","message":"never finished"}';
    socket.write(
      `POST /logs/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `${body.length.toString(16)}\r\n${body}\r\n`,
    );
    const text = await within(answer, 5000, 'the unfinished chunked body');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.equal(await storedFor('slow2'), 0);
  });

  it('a connection that sends nothing is closed once the timeout passes', async () => {
    const { answer } = await connect();
    await within(answer, 5000, 'the idle connection');
  });

  it('one address gets 429 past INGEST_MAX_CONNECTIONS_PER_CLIENT; others are still served', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => connect('127.0.0.1')));
    const refused = await connect('127.0.0.1');
    const text = await within(refused.answer, 3000, 'the fifth connection');
    assert.match(text, /^HTTP\/1\.1 429 /);
    assert.match(text, /Retry-After: 1/);
    assert.match(text, /"code":"TOO_MANY_CONNECTIONS_FROM_CLIENT"/);
    // Another address is not held back by this one.
    const other = await connect('127.0.0.2');
    other.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(await within(other.answer, 3000, 'another address'), /^HTTP\/1\.1 200 /);
    // A freed slot is a slot again.
    held[0]!.socket.destroy();
    await held[0]!.answer;
    const again = await connect('127.0.0.1');
    again.socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(await within(again.answer, 3000, 'after one closed'), /^HTTP\/1\.1 200 /);
    for (const { socket } of held) socket.destroy();
  });

  it('past INGEST_MAX_CONNECTIONS every address gets 503, and /metrics counts the refusals', async () => {
    const held = [];
    for (let i = 0; i < 12; i++) held.push(await connect(`127.0.1.${i + 1}`));
    const refused = await connect('127.0.2.1');
    const text = await within(refused.answer, 3000, 'the connection over the cap');
    assert.match(text, /^HTTP\/1\.1 503 /);
    assert.match(text, /"code":"TOO_MANY_CONNECTIONS"/);
    for (const { socket, answer } of held) {
      socket.destroy();
      await answer;
    }
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    assert.match(metrics, /log_ingest_http_connections_refused_total\{reason="total"\} [1-9]/);
    assert.match(metrics, /log_ingest_http_connections_refused_total\{reason="per_client"\} [1-9]/);
  });
});
