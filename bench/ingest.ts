// HTTP ingestion: the request path of the standalone service (parse, validate, match, hand to
// the writer) beside a bare Fastify handler that parses the same bodies and does nothing (the
// limit), measured in the same run on the same cores, load generator included.
//
//   npm run bench:ingest -- [--data DIR] [--seconds 5] [--rounds 4] [--connections 8] [--json FILE]
//                           [--baseline-root DIR]   (that checkout's service in place of 1 thread)
//   npm run bench:ingest -- --tenancy-on-off [--starts 3] [--rounds 4] [--round-seconds 3] [--json FILE]
//   npm run bench:ingest -- --wal-on-off [--starts 3] [--rounds 4] [--round-seconds 3] [--json FILE]
//   npm run bench:ingest -- --line-fields-on-off [--baseline-root DIR] [--starts 3] [--rounds 4] ...
//
// --tenancy-on-off (alias --keys): instead, what tenancy costs the hot path (bench/ingest-tenancy.ts).
// --wal-on-off: instead, what the write-ahead log costs, per INGEST_WAL_SYNC (bench/ingest-wal.ts).
// --line-fields-on-off: instead, what reading times and levels from lines costs
// (bench/ingest-line-fields.ts); --baseline-root runs another checkout (main) beside it.
//
// The services run with BENCH_DISCARD_LOGS=true: the writer encodes every batch and drops it
// instead of inserting it. Storage cannot absorb more than a few hundred thousand rows/s on two
// cores (bench:e2e measures that); here it would be the limit of every batch size, and this
// benchmark is about the request path. Messages are LogHub-2k lines with fresh numbers in them,
// learned by the service first, so they match on arrival (the steady state).
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Target } from './ingest-load.ts';
import { Report } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '8' },
    json: { type: 'string' },
    'tenancy-on-off': { type: 'boolean', default: false },
    /** The former name of --tenancy-on-off. */
    keys: { type: 'boolean', default: false },
    'wal-on-off': { type: 'boolean', default: false },
    'line-fields-on-off': { type: 'boolean', default: false },
    'baseline-root': { type: 'string' },
    starts: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '4' },
    'round-seconds': { type: 'string', default: '3' },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
// Imported once LOGHUB_DIR is set: loghub.ts reads it when it loads.
const { bodies, label, learn, lines, load, payloadsFor, peakRssMb, start, startService, stats, waitUp } =
  await import('./ingest-load.ts');
const { compareSides } = await import('./ingest-sides.ts');
const { tenancyComparison } = await import('./ingest-tenancy.ts');
const { walComparison } = await import('./ingest-wal.ts');
const { lineFieldsComparison } = await import('./ingest-line-fields.ts');
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const SERVICE_PORT = 3191;
const BARE_PORT = 3192;
const SINGLE_PORT = 3193;
/** Targets of the issue, service / bare, per logs per request. */
const TARGETS: Record<number, number> = { 1: 0.7, 100: 0.4, 1000: 0.35 };

/** One server of the comparison: the bare handler, or the service with a thread count. */
interface Server {
  name: string;
  target: Target;
  /** The service's INGEST_THREADS; undefined: the bare handler. */
  threads?: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The service beside the bare handler, per batch size: the service with request threads
 * (INGEST_THREADS at its default, the cores) and with one thread (the path before issue 19),
 * loaded in turn in `rounds` rounds, the order reversed every other round, median of the
 * rounds: a busy moment of the shared machine falls on every server alike.
 */
async function versusBare(report: Report, extra: string[]): Promise<void> {
  // The per-org rate limit is off: at its default one org's batches would be refused here.
  // What it (and the rest of tenancy) costs is what --tenancy-on-off measures.
  const threaded = await startService(SERVICE_PORT, { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' });
  // With --baseline-root the third server is that checkout's service (main) at its default
  // threads: before and after in the same run.
  const baselineRoot = values['baseline-root'];
  const single = await startService(
    SINGLE_PORT,
    { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0', ...(baselineRoot === undefined ? { INGEST_THREADS: '1' } : {}) },
    baselineRoot,
  );
  const bare = start(['bench/bare-server.ts'], { PORT: String(BARE_PORT) });
  const cores = availableParallelism();
  const servers: Server[] = [
    { name: 'bare Fastify', target: { url: `http://127.0.0.1:${BARE_PORT}`, headers: {} } },
    { name: `log-ingest, ${cores} threads`, target: { url: threaded.url, headers: {} }, threads: cores },
    baselineRoot === undefined
      ? { name: 'log-ingest, 1 thread', target: { url: single.url, headers: {} }, threads: 1 }
      : {
          name: `baseline (${baselineRoot}), ${cores} threads`,
          target: { url: single.url, headers: {} },
          threads: cores,
        },
  ];
  try {
    await Promise.all(servers.map((s) => waitUp(s.target.url)));
    // Teach the services every kind of line first, then warm every server up.
    for (const s of servers) if (s.threads !== undefined) await learn(s.target);
    const warm = bodies(100, 50, true);
    for (const s of servers) await load(s.target, warm, { connections, duration: 2 });

    for (const batch of [1, 100, 1000]) {
      const payloads = payloadsFor(batch);
      const logsPerSec = new Map<string, number[]>(servers.map((s) => [s.name, []]));
      const p99 = new Map<string, number[]>(servers.map((s) => [s.name, []]));
      const non2xx = new Map<string, number>(servers.map((s) => [s.name, 0]));
      /** Per service at the cores' threads: its best request rate of the rounds. */
      const peakOf = new Map<string, number>();
      for (let round = 0; round < rounds; round++) {
        for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
          const before = s.threads === undefined ? undefined : await stats(s.target);
          const run = await load(s.target, payloads, { connections, duration: seconds });
          const logs =
            before === undefined
              ? run['2xx'] * batch
              : (await stats(s.target)).logs.accepted - before.logs.accepted;
          logsPerSec.get(s.name)!.push(logs / run.duration);
          p99.get(s.name)!.push(run.latency.p99);
          non2xx.set(s.name, non2xx.get(s.name)! + run.non2xx);
          if (s.threads === cores) {
            const peak = Math.max(peakOf.get(s.name) ?? 0, run['2xx'] / run.duration);
            peakOf.set(s.name, peak);
          }
        }
      }
      const bareLogs = median(logsPerSec.get(servers[0]!.name)!);
      const bareP99 = median(p99.get(servers[0]!.name)!);
      for (const s of servers.slice(1)) {
        report.add({
          case: `${label(batch)}: ${s.name}, logs/s`,
          value: median(logsPerSec.get(s.name)!),
          peer: bareLogs,
          unit: 'logs/s',
          note: `peer: bare Fastify; target ≥ ${TARGETS[batch]}x`,
        });
        report.add({
          case: `${label(batch)}: ${s.name}, p99 latency`,
          value: median(p99.get(s.name)!),
          peer: bareP99,
          unit: 'ms',
        });
      }
      extra.push(
        `${label(batch)}: logs/s of each round: ${servers
          .map(
            (s) =>
              `${s.name} ${logsPerSec
                .get(s.name)!
                .map((x) => Math.round(x))
                .join(' ')}`,
          )
          .join('; ')}; non-2xx: ${servers.map((s) => `${s.name} ${non2xx.get(s.name)}`).join(', ')}`,
      );

      if (batch === 1000) {
        // Latency where the service is busy but not saturated: 80% of its peak request rate.
        for (const s of servers.filter((server) => peakOf.has(server.name))) {
          const rate = Math.max(1, Math.floor(0.8 * peakOf.get(s.name)!));
          const paced = await load(s.target, payloads, { connections, duration: seconds, overallRate: rate });
          report.add({
            case: `batches of 1000 at 80% of peak (${rate} req/s), ${s.name}: p99 latency`,
            value: paced.latency.p99,
            peer: 50,
            unit: 'ms',
            note: 'target < 50 ms',
          });
        }
      }
    }
    for (const [service, name] of [
      [threaded, servers[1]!.name],
      [single, servers[2]!.name],
    ] as const) {
      report.add({
        case: `${name}: peak RSS (standalone, embedded engine loaded)`,
        value: peakRssMb(service.child.pid),
        peer: 600,
        unit: 'MB',
        note: 'target < 600 MB',
      });
    }
  } finally {
    bare.kill('SIGTERM');
    await Promise.all([threaded.stop(), single.stop()]);
  }
}

const compareTenancy = values['tenancy-on-off'] || values.keys;
const compareWal = values['wal-on-off'];
const compareLineFields = values['line-fields-on-off'];
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
const report = new Report(
  compareTenancy
    ? 'ingest-tenancy-on-off'
    : compareWal
      ? 'ingest-wal-on-off'
      : compareLineFields
        ? 'ingest-line-fields-on-off'
        : 'ingest',
);
const extra: string[] = [];
if (compareTenancy || compareWal || compareLineFields) {
  const comparison = compareTenancy
    ? tenancyComparison()
    : compareWal
      ? walComparison()
      : lineFieldsComparison(values['baseline-root']);
  const what = compareTenancy
    ? 'tenancy on / off'
    : compareWal
      ? 'write-ahead log on / off'
      : 'times and levels read from lines on / off';
  await compareSides(report, extra, comparison, { starts, rounds, roundSeconds, connections });
  console.log(
    `\nHTTP ingestion, ${what} (writer sink: discard), ${connections} connections, ${starts} starts of the three services × ${rounds} rounds of ${roundSeconds} s each per case (baseline first, then last, ...), Node ${process.version}, 1-min load average ${load1} at the start\n`,
  );
} else {
  await versusBare(report, extra);
  console.log(
    `\nHTTP ingestion, request path (writer sink: discard), ${connections} connections, ${rounds} alternating rounds of ${seconds} s per server and case (median), Node ${process.version}, ${lines.length} LogHub lines with fresh numbers, 1-min load average ${load1} at the start\n`,
  );
}
report.emit(values.json);
console.log('');
for (const line of extra) console.log(`- ${line}`);
