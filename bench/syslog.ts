// Syslog ingestion beside HTTP: N LogHub-2k lines sent over one TCP connection as RFC 5424
// with octet counting, and the same lines as POST /logs/ingest in batches of 1000 over one
// keep-alive connection, to the same standalone service in the same run, rounds interleaved.
// The service's writer discards (BENCH_DISCARD_LOGS, as bench:ingest): this measures the way
// in (framing, parsing, validation, matching, the write-ahead log), not storage.
//
//   npm run bench:syslog -- [--data DIR] [--logs 200000] [--rounds 3] [--json FILE]
//
// A syslog round ends when /stats says every message is accepted (polled every 10 ms); an
// HTTP round when the last response has arrived. Both sides' lines match on arrival (learned
// first), and the org's rate limit is off.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Report, spread } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    logs: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
const { learn, lines, startService, waitUp } = await import('./ingest-load.ts');
const { withFreshNumbers } = await import('./loghub.ts');

const N = Number(values.logs);
const ROUNDS = Number(values.rounds);
const HTTP_PORT = 3193;
const SYSLOG_PORT = 5193;
const BATCH = 1000;

/** The same N lines, fresh numbers in each, as syslog frames and as HTTP bodies. */
function workload(): { frames: Buffer; bodies: string[] } {
  const messages = Array.from({ length: N }, (_, i) => withFreshNumbers(lines[i % lines.length]!));
  const stamp = new Date().toISOString();
  const frames = Buffer.from(
    messages
      .map((m) => {
        const frame = `<14>1 ${stamp} benchhost svc - - - ${m}`;
        return `${Buffer.byteLength(frame)} ${frame}`;
      })
      .join(''),
  );
  const http: string[] = [];
  for (let i = 0; i < N; i += BATCH) {
    const logs = messages
      .slice(i, i + BATCH)
      .map((message) => ({ org: 'bench', service: 'svc', host: 'benchhost', level: 'info', message }));
    http.push(JSON.stringify({ logs }));
  }
  return { frames, bodies: http };
}

async function syslogAccepted(url: string): Promise<number> {
  const stats = (await (await fetch(`${url}/stats`)).json()) as { syslog: { accepted: number } };
  return stats.syslog.accepted;
}

async function syslogRound(url: string, frames: Buffer): Promise<number> {
  const before = await syslogAccepted(url);
  const socket = net.connect({ host: '127.0.0.1', port: SYSLOG_PORT });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const started = performance.now();
  // 64 KiB at a time, waiting for the socket to drain: the service's backpressure is felt.
  for (let at = 0; at < frames.length; at += 65_536) {
    if (!socket.write(frames.subarray(at, at + 65_536))) await new Promise((r) => socket.once('drain', r));
  }
  while ((await syslogAccepted(url)) - before < N) await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - started) / 1000;
  socket.end();
  return N / seconds;
}

async function httpRound(url: string, payloads: string[]): Promise<number> {
  const started = performance.now();
  let accepted = 0;
  for (const body of payloads) {
    const res = await fetch(`${url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    accepted += ((await res.json()) as { accepted: number }).accepted;
  }
  const seconds = (performance.now() - started) / 1000;
  if (accepted !== N) throw new Error(`HTTP accepted ${accepted} of ${N}`);
  return N / seconds;
}

const service = await startService(HTTP_PORT, {
  INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
  SYSLOG_PORT: String(SYSLOG_PORT),
  SYSLOG_HOST: '127.0.0.1',
  SYSLOG_ORG: 'bench',
});
try {
  await waitUp(service.url);
  await learn({ url: service.url, headers: {} });
  const work = workload();
  // One of each first, not measured: the JIT and the write-ahead log's first segment.
  await httpRound(service.url, work.bodies);
  await syslogRound(service.url, work.frames);
  const syslog: number[] = [];
  const http: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    syslog.push(await syslogRound(service.url, work.frames));
    http.push(await httpRound(service.url, work.bodies));
  }
  const s = spread(syslog);
  const h = spread(http);
  const report = new Report('syslog');
  report.add({
    case: 'syslog: RFC 5424, octet counting, 1 TCP connection',
    value: s.median,
    peer: h.median,
    unit: 'logs/s',
    note: `median of ${ROUNDS} rounds of ${N.toLocaleString('en')} (${Math.round(s.min).toLocaleString('en')}–${Math.round(s.max).toLocaleString('en')}); peer: the HTTP row`,
  });
  report.add({
    case: 'POST /logs/ingest: batches of 1000, 1 connection',
    value: h.median,
    unit: 'logs/s',
    note: `median (${Math.round(h.min).toLocaleString('en')}–${Math.round(h.max).toLocaleString('en')})`,
  });
  report.emit(values.json);
} finally {
  await service.stop();
}
