// HTTP ingestion: the request path of the standalone service (parse, validate, match, hand to
// the writer) beside a bare Fastify handler that parses the same bodies and does nothing (the
// limit), measured in the same run on the same cores, load generator included.
//
//   npm run bench:ingest -- [--data DIR] [--seconds 10] [--connections 8] [--json FILE] [--keys]
//
// --keys: also runs a second service with API keys configured (INGEST_API_KEYS) and sends the
// key with every request, for single logs and batches of 100: its rows have the service
// without keys as their peer (the cost of authentication on the hot path).
//
// The service runs with BENCH_DISCARD_LOGS=true: its writer encodes every batch and drops it
// instead of inserting it. Storage cannot absorb more than a few hundred thousand rows/s on two
// cores (bench:e2e measures that); here it would be the limit of every batch size, and this
// benchmark is about the request path. Messages are LogHub-2k lines with fresh numbers in them,
// learned by the service first, so they match on arrival (the steady state).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DATASETS, readDataset, withFreshNumbers } from './loghub.ts';
import { Report } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    json: { type: 'string' },
    keys: { type: 'boolean', default: false },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const ROOT = path.resolve(import.meta.dirname, '..');
const SERVICE_PORT = 3191;
const BARE_PORT = 3192;
/** Targets of the issue, service / bare, per logs per request. */
const TARGETS: Record<number, number> = { 1: 0.7, 100: 0.4, 1000: 0.35 };

const lines = DATASETS.flatMap((name) => readDataset(name).map((line) => line.content)).filter(
  (l) => l.trim() !== '',
);

function bodies(batch: number, count: number, vary: boolean): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (let b = 0; b < count; b++) {
    const logs = [];
    for (let i = 0; i < batch; i++) {
      const line = lines[cursor++ % lines.length] ?? '';
      logs.push({
        org: 'bench',
        service: 'svc',
        level: 'info',
        message: vary ? withFreshNumbers(line) : line,
      });
    }
    out.push(batch === 1 ? JSON.stringify(logs[0]) : JSON.stringify({ logs }));
  }
  return out;
}

function start(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const API_KEY = 'bench-key-0123456789abcdef';

async function load(url: string, payloads: string[], duration: number, overallRate?: number, key?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['authorization'] = `Bearer ${key}`;
  return autocannon({
    url,
    connections,
    duration,
    ...(overallRate === undefined ? {} : { overallRate }),
    requests: payloads.map((body) => ({ method: 'POST' as const, path: '/logs/ingest', headers, body })),
  });
}

interface Stats {
  logs: { accepted: number; matched: number };
  queues: { unmatched: number };
}
const stats = async (url: string) => (await (await fetch(`${url}/stats`)).json()) as Stats;

const dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-bench-'));
const service = start(['src/cli/service.ts'], {
  DATA_DIR: dataDir,
  INGEST_PORT: String(SERVICE_PORT),
  INGEST_HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
  BENCH_DISCARD_LOGS: 'true',
});
const bare = start(['bench/bare-server.ts'], { PORT: String(BARE_PORT) });
const KEYED_PORT = 3193;
const keyedDataDir = values.keys ? await mkdtemp(path.join(tmpdir(), 'log-ingest-bench-keys-')) : undefined;
const keyed =
  keyedDataDir === undefined
    ? undefined
    : start(['src/cli/service.ts'], {
        DATA_DIR: keyedDataDir,
        INGEST_PORT: String(KEYED_PORT),
        INGEST_HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        BENCH_DISCARD_LOGS: 'true',
        INGEST_API_KEYS: `${API_KEY}:bench:write+read`,
      });
const keyedUrl = `http://127.0.0.1:${KEYED_PORT}`;
const serviceUrl = `http://127.0.0.1:${SERVICE_PORT}`;
const bareUrl = `http://127.0.0.1:${BARE_PORT}`;
const report = new Report('ingest');
const extra: string[] = [];
try {
  await Promise.all([waitUp(serviceUrl), waitUp(bareUrl)]);
  // Teach the service every kind of line first, then warm both servers up.
  for (const body of bodies(1000, Math.ceil(lines.length / 1000), false)) {
    await fetch(`${serviceUrl}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  }
  while ((await stats(serviceUrl)).queues.unmatched > 0) await new Promise((r) => setTimeout(r, 200));
  const warm = bodies(100, 50, true);
  await load(bareUrl, warm, 2);
  await load(serviceUrl, warm, 2);

  for (const batch of [1, 100, 1000]) {
    const payloads = bodies(batch, batch === 1 ? 5000 : Math.max(50, Math.ceil(50_000 / batch)), true);
    const before = await stats(serviceUrl);
    const bareRun = await load(bareUrl, payloads, seconds);
    const serviceRun = await load(serviceUrl, payloads, seconds);
    const after = await stats(serviceUrl);
    const accepted = after.logs.accepted - before.logs.accepted;
    const matched = after.logs.matched - before.logs.matched;
    const serviceLogs = accepted / serviceRun.duration;
    const bareLogs = (bareRun['2xx'] * batch) / bareRun.duration;
    const label = batch === 1 ? 'single logs' : `batches of ${batch}`;
    report.add({
      case: `${label}: log-ingest logs/s`,
      value: serviceLogs,
      peer: bareLogs,
      unit: 'logs/s',
      note: `target ≥ ${TARGETS[batch]}x bare Fastify`,
    });
    report.add({
      case: `${label}: log-ingest requests/s`,
      value: serviceRun['2xx'] / serviceRun.duration,
      peer: bareRun['2xx'] / bareRun.duration,
      unit: 'req/s',
    });
    report.add({
      case: `${label}: p50 latency`,
      value: serviceRun.latency.p50,
      peer: bareRun.latency.p50,
      unit: 'ms',
    });
    report.add({
      case: `${label}: p99 latency`,
      value: serviceRun.latency.p99,
      peer: bareRun.latency.p99,
      unit: 'ms',
    });
    extra.push(
      `${label}: ${serviceRun.non2xx} non-2xx responses, ${accepted === 0 ? '-' : ((matched / accepted) * 100).toFixed(1)}% matched on arrival`,
    );

    if (batch === 1000) {
      // Latency where the service is busy but not saturated: 80% of the peak request rate.
      const rate = Math.max(1, Math.floor((0.8 * serviceRun['2xx']) / serviceRun.duration));
      const paced = await load(serviceUrl, payloads, seconds, rate);
      report.add({
        case: `batches of 1000 at 80% of peak (${rate} req/s): p99 latency`,
        value: paced.latency.p99,
        peer: 50,
        unit: 'ms',
        note: 'target < 50 ms',
      });
    }
  }
  if (keyed !== undefined) {
    await waitUp(keyedUrl);
    // Learned like the other service, then the same loads with the key on every request.
    for (const body of bodies(1000, Math.ceil(lines.length / 1000), false)) {
      await fetch(`${keyedUrl}/logs/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body,
      });
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const batch of [1, 100]) {
      const payloads = bodies(batch, batch === 1 ? 5000 : 500, true);
      // The keyed process is younger: warm it with the same load first, so JIT state is alike.
      await load(keyedUrl, payloads, Math.max(3, seconds / 2), undefined, API_KEY);
      const open = await load(serviceUrl, payloads, seconds);
      const withKeys = await load(keyedUrl, payloads, seconds, undefined, API_KEY);
      if (withKeys.non2xx > 0) throw new Error(`the keyed service refused ${withKeys.non2xx} requests`);
      report.add({
        case: `${batch === 1 ? 'single logs' : 'batches of 100'}: with API keys, logs/s`,
        value: (withKeys['2xx'] * batch) / withKeys.duration,
        peer: (open['2xx'] * batch) / open.duration,
        unit: 'logs/s',
        note: 'peer: the same service without keys, run just before; target ≥ 0.95x',
      });
    }
  }
  report.add({
    case: 'log-ingest peak RSS (standalone, embedded engine loaded)',
    value: peakRssMb(service.pid),
    peer: 600,
    unit: 'MB',
    note: 'target < 600 MB',
  });
  console.log(
    `\nHTTP ingestion, request path (writer sink: discard), ${connections} connections, ${seconds} s per run, Node ${process.version}, ${lines.length} LogHub lines with fresh numbers\n`,
  );
  report.emit(values.json);
  console.log('');
  for (const line of extra) console.log(`- ${line}`);
} finally {
  service.kill('SIGTERM');
  bare.kill('SIGTERM');
  keyed?.kill('SIGTERM');
  await new Promise((r) => service.once('exit', r));
  if (keyed !== undefined) await new Promise((r) => keyed.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
  if (keyedDataDir !== undefined) await rm(keyedDataDir, { recursive: true, force: true });
}
