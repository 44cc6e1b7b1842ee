// HTTP ingestion: the request path of the standalone service (parse, validate, match, hand to
// the writer) beside a bare Fastify handler that parses the same bodies and does nothing (the
// limit), measured in the same run on the same cores, load generator included.
//
//   npm run bench:ingest -- [--data DIR] [--seconds 10] [--connections 8] [--json FILE]
//   npm run bench:ingest -- --tenancy-on-off [--starts 3] [--rounds 4] [--round-seconds 3] [--json FILE]
//
// --tenancy-on-off (alias --keys): instead, what tenancy costs the hot path. Three services run
// side by side: "off" without keys and with the per-org rate limit off; "keys" with 100 API
// keys (the bench sending one of them), the rate limit still off: the issue's comparison, keys
// on / off; and "on", all of tenancy: the keys and a rate limit set too high to ever refuse. For
// single logs and batches of 100 and 1,000, after a warm-up of each, they are loaded in turn in
// short rounds, off keys on, on keys off, ..., and each round gives the ratios keys/off and
// on/off of logs/s: drift of the shared machine hits the three alike. All of it is repeated over
// --starts fresh starts of the services (--rounds rounds each): a process keeps the speed its
// JIT and heap settled on for its whole life, a few per cent either way, and one start would
// make that the result. The table shows the median ratio and its spread (min–max) beside the
// limit, 0.95, and the service's CPU time per log; the notes add the median of each start.
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
    starts: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '4' },
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
const TENANCY_KEYS_PORT = 3194;
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

/** CPU time a process has used so far (user + system), in seconds: /proc/<pid>/stat, in clock ticks. */
function cpuSeconds(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (which may hold spaces), from the 3rd: utime is the 14th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SEC = 100;

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

/** API keys of the keyed services: 100 of them, one org each; the bench writes with one. */
const TENANCY_KEYS = Array.from(
  { length: 100 },
  (_, i) => `bench-key-${String(i).padStart(3, '0')}-0123456789abcdef`,
);
const BENCH_KEY_INDEX = 57;
/** High enough never to refuse: the limiter's bookkeeping runs, its 429 never does. */
const NEVER_REFUSING_RATE = '100000000';

/**
 * The services of the tenancy comparison. "keys" is what the issue's target compares (API keys
 * on, everything else as "off"); "on" adds the per-org rate limit, so all of tenancy is on.
 */
type TenancySide = 'off' | 'keys' | 'on';
/** The sides compared with "off", with what the table calls them. */
const TENANCY_COMPARED = { keys: 'API keys', on: 'keys + rate limit' } as const;
type ComparedSide = keyof typeof TENANCY_COMPARED;

function tenancyServices(): Record<TenancySide, { port: number; env: Record<string, string> }> {
  const keys = TENANCY_KEYS.map(
    (key, i) => `${key}:${i === BENCH_KEY_INDEX ? 'bench' : `org-${i}`}:write+read`,
  ).join(';');
  return {
    off: { port: SERVICE_PORT, env: { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' } },
    keys: { port: TENANCY_KEYS_PORT, env: { INGEST_API_KEYS: keys, INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' } },
    on: {
      port: TENANCY_ON_PORT,
      env: {
        INGEST_API_KEYS: keys,
        INGEST_RATE_LIMIT_LOGS_PER_SEC: NEVER_REFUSING_RATE,
        INGEST_RATE_LIMIT_BURST_LOGS: NEVER_REFUSING_RATE,
      },
    },
  };
}

/** What the tenancy comparison collects per batch size, over every start of the services. */
interface TenancyCase {
  logsPerSec: Record<TenancySide, number[]>;
  /** Per round, logs/s of a side / logs/s of "off". */
  ratios: Record<ComparedSide, number[]>;
  /** Per round, the service's CPU time per log, side / "off": what it costs, whoever is the bottleneck. */
  cpuRatios: Record<ComparedSide, number[]>;
}

/**
 * Tenancy on beside tenancy off, in interleaved rounds (see the top of this file), over `starts`
 * fresh starts of the services. One process stays a few per cent faster or slower than another
 * for its whole life (where its JIT and heap settled): rounds of one start share that bias, and
 * starting afresh spreads it over every side.
 */
async function tenancyOnOff(
  report: Report,
  extra: string[],
  options: { starts: number; rounds: number; roundSeconds: number },
) {
  const cases = new Map<number, TenancyCase>(
    [1, 100, 1000].map((batch) => [
      batch,
      {
        logsPerSec: { off: [], keys: [], on: [] },
        ratios: { keys: [], on: [] },
        cpuRatios: { keys: [], on: [] },
      },
    ]),
  );
  for (let i = 0; i < options.starts; i++) await tenancyRounds(cases, options);
  const n = options.starts * options.rounds;
  for (const [batch, result] of cases) {
    for (const side of ['keys', 'on'] as const) {
      const name = `${label(batch)}: ${TENANCY_COMPARED[side]} on / off`;
      const ratios = result.ratios[side];
      const ratio = spread(ratios);
      const below = ratios.filter((r) => r < TENANCY_LIMIT).length;
      const range = `${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}`;
      report.add({
        case: `${name}, logs/s, median of ${n} rounds`,
        value: ratio.median,
        peer: TENANCY_LIMIT,
        unit: 'on/off',
        note: `rounds ${range}, ${below} below ${TENANCY_LIMIT}; limit ≥ ${TENANCY_LIMIT}`,
      });
      const cpu = spread(result.cpuRatios[side]);
      report.add({
        case: `${name}, service CPU per log, median of ${n} rounds`,
        value: cpu.median,
        peer: 1 / TENANCY_LIMIT,
        unit: 'on/off',
        note: `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}; limit ≤ ${(1 / TENANCY_LIMIT).toFixed(3)}`,
      });
      report.add({
        case: `${label(batch)}: ${TENANCY_COMPARED[side]} on, logs/s, median of ${n} rounds`,
        value: spread(result.logsPerSec[side]).median,
        peer: spread(result.logsPerSec.off).median,
        unit: 'logs/s',
        note: 'peer: tenancy off, the same rounds',
      });
      const perStart = Array.from({ length: options.starts }, (_, i) =>
        spread(ratios.slice(i * options.rounds, (i + 1) * options.rounds)).median.toFixed(3),
      );
      const within = ratio.median >= TENANCY_LIMIT;
      extra.push(
        `${name}: median ${ratio.median.toFixed(3)} (rounds ${range}) ${within ? '≥' : '<'} ${TENANCY_LIMIT}: ${within ? 'within' : 'NOT within'} 5%; ${below} of ${n} rounds below ${TENANCY_LIMIT}; median of each start ${perStart.join(' ')}; CPU per log on/off median ${cpu.median.toFixed(3)}; ratio of each round ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
      );
    }
  }
}

/** One start of the services: `rounds` rounds of each case, added to `cases`. */
async function tenancyRounds(
  cases: ReadonlyMap<number, TenancyCase>,
  { rounds, roundSeconds }: { rounds: number; roundSeconds: number },
) {
  const sides = ['off', 'keys', 'on'] as const;
  const setup = tenancyServices();
  const started = await Promise.all(sides.map((side) => startService(setup[side].port, setup[side].env)));
  const services = { off: started[0]!, keys: started[1]!, on: started[2]! };
  const authorization = { authorization: `Bearer ${TENANCY_KEYS[BENCH_KEY_INDEX]!}` };
  const targets: Record<TenancySide, Target> = {
    off: { url: services.off.url, headers: {} },
    keys: { url: services.keys.url, headers: authorization },
    on: { url: services.on.url, headers: authorization },
  };
  try {
    await Promise.all(sides.map((side) => waitUp(targets[side].url)));
    // The keyed services must really check keys: without one they refuse.
    for (const side of ['keys', 'on'] as const) {
      const open = await fetch(`${targets[side].url}/logs/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"org":"bench","message":"no key"}',
      });
      if (open.status !== 401) throw new Error(`the ${side} service answered ${open.status} without a key`);
    }
    for (const side of sides) await learn(targets[side]);

    for (const [batch, result] of cases) {
      const payloads = payloadsFor(batch);
      // Warm-up of each with this case's load, so JIT state and buffers are alike.
      for (const side of sides) await load(targets[side], payloads, roundSeconds);
      const before = await Promise.all(sides.map((side) => stats(targets[side])));
      const sent = { off: 0, keys: 0, on: 0 };
      for (let round = 0; round < rounds; round++) {
        // off keys on, then on keys off: "off" runs first in one round and last in the next.
        const order = round % 2 === 0 ? sides : ([...sides].reverse() as TenancySide[]);
        const logsPerSec = { off: 0, keys: 0, on: 0 };
        const cpuPerLog = { off: 0, keys: 0, on: 0 };
        for (const side of order) {
          const pid = services[side].child.pid;
          const cpuBefore = cpuSeconds(pid);
          const run = await load(targets[side], payloads, roundSeconds);
          if (run.non2xx > 0 || run.errors > 0) {
            throw new Error(
              `${label(batch)}: the ${side} service gave ${run.non2xx} non-2xx answers and ${run.errors} errors`,
            );
          }
          cpuPerLog[side] = (cpuSeconds(pid) - cpuBefore) / (run['2xx'] * batch);
          sent[side] += run['2xx'] * batch;
          logsPerSec[side] = (run['2xx'] * batch) / run.duration;
          result.logsPerSec[side].push(logsPerSec[side]);
        }
        for (const side of ['keys', 'on'] as const) {
          result.ratios[side].push(logsPerSec[side] / logsPerSec.off);
          result.cpuRatios[side].push(cpuPerLog[side] / cpuPerLog.off);
        }
      }
      // Every answered log was accepted (200s with logs refused inside would inflate the count);
      // requests still in flight when a round ends are accepted but not counted by autocannon.
      for (const [i, side] of sides.entries()) {
        const accepted = (await stats(targets[side])).logs.accepted - before[i]!.logs.accepted;
        const inFlight = accepted - sent[side];
        if (inFlight < 0 || inFlight > rounds * connections * batch) {
          throw new Error(`${label(batch)}: ${side} accepted ${accepted} of ${sent[side]} logs answered`);
        }
      }
    }
  } finally {
    await Promise.all(sides.map((side) => services[side].stop()));
  }
}

const compareTenancy = values['tenancy-on-off'] || values.keys;
const starts = Number(values.starts);
const rounds = Number(values.rounds);
const roundSeconds = Number(values['round-seconds']);
if (
  !Number.isInteger(starts) ||
  starts < 1 ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !(roundSeconds > 0)
) {
  throw new Error('--starts and --rounds must be positive integers and --round-seconds a positive number');
}
const load1 = loadavg()[0]!.toFixed(2);
const report = new Report(compareTenancy ? 'ingest-tenancy-on-off' : 'ingest');
const extra: string[] = [];
if (compareTenancy) {
  await tenancyOnOff(report, extra, { starts, rounds, roundSeconds });
  console.log(
    `\nHTTP ingestion, tenancy on / off (writer sink: discard), ${connections} connections, ${starts} starts of the three services × ${rounds} rounds of ${roundSeconds} s each per case (off keys on, on keys off, ...), Node ${process.version}, 1-min load average ${load1} at the start\n`,
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
