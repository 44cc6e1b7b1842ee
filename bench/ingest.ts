// HTTP ingestion: the request path of the standalone service (parse, validate, match, hand to
// the writer) beside a bare Fastify handler that parses the same bodies and does nothing (the
// limit), measured in the same run on the same cores, load generator included.
//
//   npm run bench:ingest -- [--data DIR] [--seconds 10] [--connections 8] [--json FILE]
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
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Target } from './ingest-load.ts';
import { Report } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '10' },
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
/** Targets of the issue, service / bare, per logs per request. */
const TARGETS: Record<number, number> = { 1: 0.7, 100: 0.4, 1000: 0.35 };

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
    await load(bareTarget, warm, { connections, duration: 2 });
    await load(serviceTarget, warm, { connections, duration: 2 });

    for (const batch of [1, 100, 1000]) {
      const payloads = payloadsFor(batch);
      const before = await stats(serviceTarget);
      const bareRun = await load(bareTarget, payloads, { connections, duration: seconds });
      const serviceRun = await load(serviceTarget, payloads, { connections, duration: seconds });
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
        const paced = await load(serviceTarget, payloads, {
          connections,
          duration: seconds,
          overallRate: rate,
        });
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
    `\nHTTP ingestion, request path (writer sink: discard), ${connections} connections, ${seconds} s per run, Node ${process.version}, ${lines.length} LogHub lines with fresh numbers\n`,
  );
}
report.emit(values.json);
console.log('');
for (const line of extra) console.log(`- ${line}`);
