// The syslog input on a running standalone service, fed by the real `logger` of util-linux
// over TCP (octet counting and LF framing) and UDP, and by raw sockets for what a sender
// should not do: stall mid-frame, hold too many connections, send frames over the limit.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';

const run = promisify(execFile);

/** A port free for both TCP and UDP on loopback, as SYSLOG_PORT 0 means off. */
async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const udp = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (free) return port;
  }
}

let svc: TestService;
let port: number;
before(async () => {
  port = await freePort();
  svc = await startTestService({
    SYSLOG_PORT: String(port),
    SYSLOG_HOST: '127.0.0.1',
    SYSLOG_ORG: 'syslog-org',
    SYSLOG_MAX_MESSAGE_BYTES: '2048',
    SYSLOG_FRAME_TIMEOUT_SECS: '1',
    SYSLOG_IDLE_TIMEOUT_SECS: '2',
    SYSLOG_MAX_CONNECTIONS: '6',
    SYSLOG_MAX_CONNECTIONS_PER_CLIENT: '3',
  });
});
after(() => svc.destroy());

interface Row {
  message: string;
  level: string;
  service: string;
  host: string;
  metadata: Record<string, string>;
}

async function stored(q: string): Promise<Row[]> {
  await svc.flush();
  const res = await fetch(`${svc.url}/logs?org=syslog-org&q=${encodeURIComponent(q)}&limit=100`);
  return ((await res.json()) as { logs: Row[] }).logs;
}

/** The rows matching `q` once there are `n` of them. */
function storedEventually(q: string, n = 1): Promise<Row[]> {
  return eventually(async () => {
    const rows = await stored(q);
    return rows.length >= n ? rows : undefined;
  }, `${n} stored row(s) with ${q}`);
}

async function syslogStats(): Promise<Record<string, number>> {
  const body = (await (await fetch(`${svc.url}/stats`)).json()) as { syslog: Record<string, number> };
  return body.syslog;
}

function connect(from = '127.0.0.1'): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);
}

const logger = (...args: string[]) => run('logger', ['-n', '127.0.0.1', '-P', String(port), ...args]);

describe('syslog from the real logger command', () => {
  it('RFC 5424 over TCP with octet counting: level, service, host, structured data, msgid, procid', async () => {
    await logger(
      '--tcp',
      '--octet-count',
      '--rfc5424',
      '-t',
      'myapp',
      '-p',
      'local0.err',
      '--id=4242',
      '--msgid',
      'ID47',
      '--sd-id',
      'meta@32473',
      '--sd-param',
      'user="bob"',
      '--sd-param',
      'path="C:\\\\tmp \\"x\\" \\]"',
      'Disk 3 failed',
    );
    const [row] = await storedEventually('Disk 3 failed');
    assert.equal(row?.message, 'Disk 3 failed');
    assert.equal(row?.level, 'ERROR');
    assert.equal(row?.service, 'myapp');
    assert.equal(row?.host, os.hostname());
    assert.equal(row?.metadata['facility'], 'local0');
    assert.equal(row?.metadata['msgid'], 'ID47');
    assert.equal(row?.metadata['procid'], '4242');
    assert.equal(row?.metadata['sd.meta@32473.user'], 'bob');
    assert.equal(row?.metadata['sd.meta@32473.path'], 'C:\\tmp "x" ]');
  });

  it('RFC 3164 over UDP', async () => {
    await logger('--udp', '--rfc3164', '-t', 'cron', '-p', 'daemon.warning', 'Job 17 finished late');
    const [row] = await storedEventually('Job 17 finished late');
    assert.deepEqual(
      [row?.level, row?.service, row?.host, row?.metadata['facility']],
      ['WARNING', 'cron', os.hostname(), 'daemon'],
    );
  });

  it('RFC 3164 over TCP with LF framing, several lines on one connection', async () => {
    await run('sh', [
      '-c',
      `printf 'line one 1\\nline two 2\\nline three 3\\n' | logger --tcp --rfc3164 -n 127.0.0.1 -P ${port} -t batchjob -p user.debug`,
    ]);
    const rows = await storedEventually('line t', 2);
    assert.deepEqual(rows.map((r) => r.message).sort(), ['line three 3', 'line two 2']);
    assert.ok(rows.every((r) => r.level === 'DEBUG' && r.service === 'batchjob'));
  });

  it('RFC 5424 over UDP', async () => {
    await logger('--udp', '--rfc5424', '-t', 'udpapp', '-p', 'auth.crit', 'Login 9 refused');
    const [row] = await storedEventually('Login 9 refused');
    assert.deepEqual([row?.level, row?.service, row?.metadata['facility']], ['CRITICAL', 'udpapp', 'auth']);
  });
});

describe('syslog senders that hold on, or send too much', () => {
  it('a frame stalled halfway is closed after SYSLOG_FRAME_TIMEOUT_SECS, and nothing of it stored', async () => {
    const { socket, closed } = await connect();
    const before = await syslogStats();
    socket.write('<13>1 - h app - - - stalled frame st');
    await within(closed, 4000, 'the stalled frame');
    socket.write('<13>1 - h app - - - never\n');
    const afterStall = await syslogStats();
    assert.equal(afterStall['connections_timed_out'], before['connections_timed_out']! + 1);
    assert.equal((await stored('stalled frame')).length, 0);
  });

  it('a connection that sends nothing is closed after SYSLOG_IDLE_TIMEOUT_SECS', async () => {
    const { closed } = await connect();
    const started = Date.now();
    await within(closed, 5000, 'the idle connection');
    assert.ok(Date.now() - started >= 1500, 'not before the idle timeout');
  });

  it('connections over the per-client cap, then over the total cap, are closed at once', async () => {
    const held = await Promise.all([1, 2, 3].map(() => connect('127.0.0.1')));
    const refused = await connect('127.0.0.1');
    await within(refused.closed, 2000, 'the fourth connection of one address');
    const others = await Promise.all([1, 2, 3].map(() => connect('127.0.0.2')));
    const overTotal = await connect('127.0.0.3');
    await within(overTotal.closed, 2000, 'the seventh connection');
    // The held ones still work.
    held[0]!.socket.write('<13>1 - h app - - - still served 1\n');
    assert.equal((await storedEventually('still served 1')).length, 1);
    assert.equal((await syslogStats())['connections_refused'], 2);
    for (const c of [...held, ...others]) c.socket.destroy();
    // The server has seen them close: the next test's connections are not over a cap.
    await eventually(async () => ((await syslogStats())['connections'] === 0 ? true : undefined), 'closes');
  });

  it('an LF frame over SYSLOG_MAX_MESSAGE_BYTES is dropped and counted; the connection goes on', async () => {
    const { socket } = await connect();
    const before = await syslogStats();
    socket.write(`<13>1 - h app - - - before big 5\n<13>1 - h app - - - big ${'x'.repeat(3000)}\n`);
    socket.write('<13>1 - h app - - - after big 6\n');
    await storedEventually('after big 6');
    assert.equal((await stored('before big 5')).length, 1);
    assert.equal((await stored('big x')).length, 0);
    assert.equal((await syslogStats())['oversized'], before['oversized']! + 1);
    assert.equal(socket.destroyed, false);
    socket.destroy();
  });

  it('an octet count over SYSLOG_MAX_MESSAGE_BYTES closes the connection; nothing of it is stored', async () => {
    const { socket, closed } = await connect();
    const before = await syslogStats();
    const frame = `<13>1 - h app - - - counted big ${'y'.repeat(3000)}`;
    socket.write(`${Buffer.byteLength(frame)} ${frame}`);
    await within(closed, 2000, 'the oversized octet count');
    assert.equal((await stored('counted big')).length, 0);
    assert.equal((await syslogStats())['oversized'], before['oversized']! + 1);
  });

  it('an oversized UDP datagram is dropped and counted', async () => {
    const before = await syslogStats();
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      udp.send(`<13>udp big ${'z'.repeat(3000)}`, port, '127.0.0.1', (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    udp.close();
    await eventually(
      async () => ((await syslogStats())['oversized']! > before['oversized']! ? true : undefined),
      'counted',
    );
    assert.equal((await stored('udp big')).length, 0);
  });

  it('/metrics has the syslog counters', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    assert.match(text, /^log_ingest_syslog_messages_accepted_total [1-9]/m);
    assert.match(text, /^log_ingest_syslog_connections_refused_total 2$/m);
  });
});
