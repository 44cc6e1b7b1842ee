// HTTP ingestion: the request path of the standalone service (parse, validate, match, hand to
// the writer) beside a bare Fastify handler that parses the same bodies and does nothing (the
// limit), measured in the same run on the same cores, load generator included.
//
//   npm run bench:ingest -- [--data DIR] [--seconds 10] [--connections 8] [--json FILE]
//   npm run bench:ingest -- --tenancy-on-off [--rounds 8] [--round-seconds 3] [--json FILE]
//
// --tenancy-on-off (alias --keys): instead, what tenancy costs the hot path. Two services run
// side by side: "on" with the whole tenancy configuration (100 API keys, the bench sending one
// of them; the per-org rate limit set too high to ever refuse), "off" without keys and with the
// rate limit off. For single logs and batches of 100 and 1,000, after a warm-up of each, they
// are loaded in turn in short rounds, A B B A A B ..., and each pair of adjacent rounds gives
// a ratio on/off of logs/s: drift of the shared machine hits both halves of a pair alike. The
// table shows the median ratio and its spread (min–max) beside the limit, 0.95.
//
// The services run with BENCH_DISCARD_LOGS=true: the writer encodes every batch and drops it
// instead of inserting it. Storage cannot absorb more than a few hundred thousand rows/s on two
// cores (bench:e2e measures that); here it would be the limit of every batch size, and this
// benchmark is about the request path. Messages are LogHub-2k lines with fresh numbers in them,
// learned by the service first, so they match on arrival (the steady state).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Report, spread } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    json: { type: 'string' },
    'tenancy-on-off': { type: 'boolean', default: false },
    /** The former name of --tenancy-on-off. */
    keys: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '8' },
    'round-seconds': { type: 'string', default: '3' },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
// Imported once LOGHUB_DIR is set: loghub.ts reads it when it loads.
const { DATASETS, readDataset, withFreshNumbers } = await import('./loghub.ts');
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const ROOT = path.resolve(import.meta.dirname, '..');
const SERVICE_PORT = 3191;
const BARE_PORT = 3192;
const TENANCY_ON_PORT = 3193;
/** Targets of the issue, service / bare, per logs per request. */
const TARGETS: Record<number, number> = { 1: 0.7, 100: 0.4, 1000: 0.35 };
/** Tenancy issue: with it on, the ingest benchmark stays within 5% of it off. */
const TENANCY_LIMIT = 0.95;

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

/** The measured bodies of one case: enough distinct ones that no two requests in a row repeat. */
function payloadsFor(batch: number): string[] {
  return bodies(batch, batch === 1 ? 5000 : Math.max(50, Math.ceil(50_000 / batch)), true);
}

function label(batch: number): string {
  return batch === 1 ? 'single logs' : `batches of ${batch}`;
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

/** A service under test: where it listens and the Authorization it needs (none without keys). */
interface Target {
  url: string;
  headers: Record<string, string>;
}

async function load(target: Target, payloads: string[], duration: number, overallRate?: number) {
  const headers = { 'content-type': 'application/json', ...target.headers };
  return autocannon({
    url: target.url,
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
async function stats(target: Target): Promise<Stats> {
  const res = await fetch(`${target.url}/stats`, { headers: target.headers });
  if (!res.ok) throw new Error(`GET ${target.url}/stats: ${res.status} ${await res.text()}`);
  return (await res.json()) as Stats;
}

/** Teaches the service every kind of line, so that the measured logs match on arrival. */
async function learn(target: Target): Promise<void> {
  for (const body of bodies(1000, Math.ceil(lines.length / 1000), false)) {
    const res = await fetch(`${target.url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body,
    });
    if (!res.ok) throw new Error(`learning on ${target.url}: ${res.status} ${await res.text()}`);
  }
  while ((await stats(target)).queues.unmatched > 0) await new Promise((r) => setTimeout(r, 200));
}

/** The standalone service as a child process, its writer discarding, on its own data folder. */
async function startService(port: number, env: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-bench-'));
  const child = start(['src/cli/service.ts'], {
    DATA_DIR: dataDir,
    INGEST_PORT: String(port),
    INGEST_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    BENCH_DISCARD_LOGS: 'true',
    ...env,
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The service beside the bare handler, per batch size; the peak RSS of the service. */
async function versusBare(report: Report, extra: string[]): Promise<void> {
  // The per-org rate limit is off: at its default one org's batches would be refused here.
  // What it (and the rest of tenancy) costs is what --tenancy-on-off measures.
  const service = await startService(SERVICE_PORT, { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' });
  const bare = start(['bench/bare-server.ts'], { PORT: String(BARE_PORT) });
  const serviceTarget: Target = { url: service.url, headers: {} };
  const bareTarget: Target = { url: `http://127.0.0.1:${BARE_PORT}`, headers: {} };
  try {
    await Promise.all([waitUp(serviceTarget.url), waitUp(bareTarget.url)]);
    // Teach the service every kind of line first, then warm both servers up.
    await learn(serviceTarget);
    const warm = bodies(100, 50, true);
    await load(bareTarget, warm, 2);
    await load(serviceTarget, warm, 2);

    for (const batch of [1, 100, 1000]) {
      const payloads = payloadsFor(batch);
      const before = await stats(serviceTarget);
      const bareRun = await load(bareTarget, payloads, seconds);
      const serviceRun = await load(serviceTarget, payloads, seconds);
      const after = await stats(serviceTarget);
      const accepted = after.logs.accepted - before.logs.accepted;
      const matched = after.logs.matched - before.logs.matched;
      const serviceLogs = accepted / serviceRun.duration;
      const bareLogs = (bareRun['2xx'] * batch) / bareRun.duration;
      report.add({
        case: `${label(batch)}: log-ingest logs/s`,
        value: serviceLogs,
        peer: bareLogs,
        unit: 'logs/s',
        note: `target ≥ ${TARGETS[batch]}x bare Fastify`,
      });
      report.add({
        case: `${label(batch)}: log-ingest requests/s`,
        value: serviceRun['2xx'] / serviceRun.duration,
        peer: bareRun['2xx'] / bareRun.duration,
        unit: 'req/s',
      });
      report.add({
        case: `${label(batch)}: p50 latency`,
        value: serviceRun.latency.p50,
        peer: bareRun.latency.p50,
        unit: 'ms',
      });
      report.add({
        case: `${label(batch)}: p99 latency`,
        value: serviceRun.latency.p99,
        peer: bareRun.latency.p99,
        unit: 'ms',
      });
      extra.push(
        `${label(batch)}: ${serviceRun.non2xx} non-2xx responses, ${accepted === 0 ? '-' : ((matched / accepted) * 100).toFixed(1)}% matched on arrival`,
      );

      if (batch === 1000) {
        // Latency where the service is busy but not saturated: 80% of the peak request rate.
        const rate = Math.max(1, Math.floor((0.8 * serviceRun['2xx']) / serviceRun.duration));
        const paced = await load(serviceTarget, payloads, seconds, rate);
        report.add({
          case: `batches of 1000 at 80% of peak (${rate} req/s): p99 latency`,
          value: paced.latency.p99,
          peer: 50,
          unit: 'ms',
          note: 'target < 50 ms',
        });
      }
    }
    report.add({
      case: 'log-ingest peak RSS (standalone, embedded engine loaded)',
      value: peakRssMb(service.child.pid),
      peer: 600,
      unit: 'MB',
      note: 'target < 600 MB',
    });
  } finally {
    bare.kill('SIGTERM');
    await service.stop();
  }
}

/** API keys of the "on" service: 100 of them, one org each; the bench writes with one. */
const TENANCY_KEYS = Array.from(
  { length: 100 },
  (_, i) => `bench-key-${String(i).padStart(3, '0')}-0123456789abcdef`,
);
const BENCH_KEY_INDEX = 57;
/** High enough never to refuse: the limiter's bookkeeping runs, its 429 never does. */
const NEVER_REFUSING_RATE = '100000000';

/** Tenancy on beside tenancy off, in interleaved rounds (see the top of this file). */
async function tenancyOnOff(report: Report, extra: string[], rounds: number, roundSeconds: number) {
  const keysEnv = TENANCY_KEYS.map(
    (key, i) => `${key}:${i === BENCH_KEY_INDEX ? 'bench' : `org-${i}`}:write+read`,
  ).join(';');
  const [on, off] = await Promise.all([
    startService(TENANCY_ON_PORT, {
      INGEST_API_KEYS: keysEnv,
      INGEST_RATE_LIMIT_LOGS_PER_SEC: NEVER_REFUSING_RATE,
      INGEST_RATE_LIMIT_BURST_LOGS: NEVER_REFUSING_RATE,
    }),
    startService(SERVICE_PORT, { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' }),
  ]);
  const targets = {
    on: { url: on.url, headers: { authorization: `Bearer ${TENANCY_KEYS[BENCH_KEY_INDEX]!}` } },
    off: { url: off.url, headers: {} },
  } satisfies Record<string, Target>;
  try {
    await Promise.all([waitUp(on.url), waitUp(off.url)]);
    // The "on" service must really check keys: without one it refuses.
    const open = await fetch(`${on.url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"org":"bench","message":"no key"}',
    });
    if (open.status !== 401) throw new Error(`the tenancy-on service answered ${open.status} without a key`);
    await learn(targets.on);
    await learn(targets.off);

    for (const batch of [1, 100, 1000]) {
      const payloads = payloadsFor(batch);
      // Warm-up of each with this case's load, so JIT state and buffers are alike.
      await load(targets.on, payloads, roundSeconds);
      await load(targets.off, payloads, roundSeconds);
      const before = { on: await stats(targets.on), off: await stats(targets.off) };
      const sent = { on: 0, off: 0 };
      const logsPerSec: Record<'on' | 'off', number[]> = { on: [], off: [] };
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // A B, then B A: whichever runs second in a pair runs first in the next.
        const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
        const pair = { on: 0, off: 0 };
        for (const side of order) {
          const run = await load(targets[side], payloads, roundSeconds);
          if (run.non2xx > 0 || run.errors > 0) {
            throw new Error(
              `${label(batch)}: the tenancy-${side} service gave ${run.non2xx} non-2xx answers and ${run.errors} errors`,
            );
          }
          sent[side] += run['2xx'] * batch;
          pair[side] = (run['2xx'] * batch) / run.duration;
          logsPerSec[side].push(pair[side]);
        }
        ratios.push(pair.on / pair.off);
      }
      // Every answered log was accepted (200s with logs refused inside would inflate the count);
      // requests still in flight when a round ends are accepted but not counted by autocannon.
      for (const side of ['on', 'off'] as const) {
        const accepted = (await stats(targets[side])).logs.accepted - before[side].logs.accepted;
        const inFlight = accepted - sent[side];
        if (inFlight < 0 || inFlight > rounds * connections * batch) {
          throw new Error(
            `${label(batch)}: tenancy ${side} accepted ${accepted} of ${sent[side]} logs answered`,
          );
        }
      }
      const ratio = spread(ratios);
      const range = `${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}`;
      report.add({
        case: `${label(batch)}: tenancy on / off logs/s, median of ${rounds} pairs`,
        value: ratio.median,
        peer: TENANCY_LIMIT,
        unit: 'on/off',
        note: `pairs ${range}; limit ≥ ${TENANCY_LIMIT}`,
      });
      report.add({
        case: `${label(batch)}: lowest pair`,
        value: ratio.min,
        peer: TENANCY_LIMIT,
        unit: 'on/off',
      });
      report.add({
        case: `${label(batch)}: highest pair`,
        value: ratio.max,
        peer: TENANCY_LIMIT,
        unit: 'on/off',
      });
      report.add({
        case: `${label(batch)}: tenancy on logs/s, median of ${rounds} rounds`,
        value: spread(logsPerSec.on).median,
        peer: spread(logsPerSec.off).median,
        unit: 'logs/s',
        note: 'peer: tenancy off, the same rounds',
      });
      const below = ratios.filter((r) => r < TENANCY_LIMIT).length;
      extra.push(
        `${label(batch)}: median ${ratio.median.toFixed(3)} (pairs ${range}) ${ratio.median >= TENANCY_LIMIT ? '≥' : '<'} ${TENANCY_LIMIT}: ${ratio.median >= TENANCY_LIMIT ? 'within' : 'NOT within'} 5%; ${below} of ${rounds} pairs below ${TENANCY_LIMIT}; pair ratios ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
      );
    }
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}

const compareTenancy = values['tenancy-on-off'] || values.keys;
const rounds = Number(values.rounds);
const roundSeconds = Number(values['round-seconds']);
if (!Number.isInteger(rounds) || rounds < 1 || !(roundSeconds > 0)) {
  throw new Error('--rounds must be a positive integer and --round-seconds a positive number');
}
const load1 = loadavg()[0]!.toFixed(2);
const report = new Report(compareTenancy ? 'ingest-tenancy-on-off' : 'ingest');
const extra: string[] = [];
if (compareTenancy) {
  await tenancyOnOff(report, extra, rounds, roundSeconds);
  console.log(
    `\nHTTP ingestion, tenancy on / off (writer sink: discard), ${connections} connections, ${rounds} pairs of ${roundSeconds} s rounds per case (A B B A ...), Node ${process.version}, 1-min load average ${load1} at the start\n`,
  );
} else {
  await versusBare(report, extra);
  console.log(
    `\nHTTP ingestion, request path (writer sink: discard), ${connections} connections, ${seconds} s per run, Node ${process.version}, ${lines.length} LogHub lines with fresh numbers\n`,
  );
}
report.emit(values.json);
console.log('');
for (const line of extra) console.log(`- ${line}`);
