// Soak (issue "Performance, second round", point 5): the standalone service, storing for real,
// driven past what storage absorbs and then back under it, over and over, for --minutes. Every
// 5 s it reads the service's resident memory, V8 heap, open files, write-ahead-log bytes, held
// (unmatched) lines and write-buffer rows, and prints each minute's peaks as a row. At the end:
// the trend of each figure's per-minute peaks and floors over the last half of the run, beside a
// limit of 5 % of its own level per half-run (soak-trend.ts says why peaks, floors and Theil-Sen
// rather than one point a minute), and every accepted log counted in storage after the drain
// (stored must equal accepted).
//
//   npm run bench:soak -- [--minutes 30] [--cycle-secs 60] [--connections 6] [--under 0.3]
//                         [--json FILE] [--keep]
//
// A cycle: the first half, --connections clients post batches of 1,000 logs back to back (503s
// from a full buffer are expected: each client waits 100 ms and goes on, as a shipper would);
// the second half, one client posts at --under times the rate accepted in the first half.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { loadConfig } from '../src/config.ts';
import { startStore } from '../src/store/stage.ts';
import { bodies, learn, start, waitUp, type Target } from './ingest-load.ts';
import { Report } from './report.ts';
import { lastHalfTrends, minuteSpans, type Reading } from './soak-trend.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'cycle-secs': { type: 'string', default: '60' },
    connections: { type: 'string', default: '6' },
    under: { type: 'string', default: '0.3' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const minutes = Number(args.minutes);
const cycleMs = Number(args['cycle-secs']) * 1000;
const connections = Number(args.connections);
const underShare = Number(args.under);
if (!(minutes >= 2) || !(cycleMs >= 10_000) || !(connections >= 1) || !(underShare > 0 && underShare < 1)) {
  console.error('bench:soak: --minutes >= 2, --cycle-secs >= 10, --connections >= 1, 0 < --under < 1');
  process.exit(2);
}

const PORT = 3977;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections + 2 });

/** POSTs one body; the count of logs accepted (0 for a 503 or any refusal). */
function post(body: string): Promise<{ status: number; accepted: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        path: '/logs/ingest',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({
            status,
            accepted: status === 200 ? (JSON.parse(text) as { accepted: number }).accepted : 0,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The figures read every SAMPLE_MS, in the order of the table's columns. */
const FIGURES = [
  ['RSS', 'rssMb', 'MB'],
  ['V8 heap used', 'heapMb', 'MB'],
  ['open files', 'openFiles', 'files'],
  ['write-ahead log', 'walMb', 'MB'],
  ['held lines', 'held', 'lines'],
  ['write-buffer rows', 'bufferRows', 'rows'],
] as const;
const SAMPLE_MS = 5_000;
/** A minute with fewer readings (the tail of the run) is not a minute of the table. */
const MIN_READINGS = 6;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** One reading of every figure in FIGURES. */
async function read(pid: number, target: Target): Promise<Record<(typeof FIGURES)[number][1], number>> {
  const metrics = await (await fetch(`${target.url}/metrics`)).text();
  const heap = Number(/^log_ingest_nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? 0);
  const stats = (await (await fetch(`${target.url}/stats`)).json()) as {
    wal: { bytes: number } | null;
    queues: { unmatched: number };
    buffer: { rows: number; in_flight_rows: number };
  };
  return {
    rssMb: rssMb(pid),
    heapMb: heap / 2 ** 20,
    openFiles: readdirSync(`/proc/${pid}/fd`).length,
    walMb: (stats.wal?.bytes ?? 0) / 2 ** 20,
    held: stats.queues.unmatched,
    bufferRows: stats.buffer.rows + stats.buffer.in_flight_rows,
  };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-soak-'));
  const child = start([...NODE_FLAGS, 'src/cli/service.ts'], {
    DATA_DIR: dataDir,
    INGEST_PORT: String(PORT),
    INGEST_HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
  });
  const target: Target = { url: `http://127.0.0.1:${PORT}`, headers: {} };
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitUp(target.url);
    await learn(target);
    const before = (await (await fetch(`${target.url}/stats`)).json()) as { logs: { accepted: number } };
    const payloads = bodies(1000, 200, true);
    const totals = { accepted: 0, refused: 0 };
    let cursor = 0;
    const nextBody = () => payloads[cursor++ % payloads.length] as string;
    const end = Date.now() + minutes * 60_000;
    let overRate = 0;

    const over = async (until: number) => {
      const t0 = Date.now();
      const before = totals.accepted;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (Date.now() < until) {
            const r = await post(nextBody());
            totals.accepted += r.accepted;
            if (r.status !== 200) {
              totals.refused++;
              await new Promise((res) => setTimeout(res, 100));
            }
          }
        }),
      );
      overRate = ((totals.accepted - before) / (Date.now() - t0)) * 1000;
    };
    const under = async (until: number) => {
      const everyMs = 1000 / Math.max(1, (overRate * underShare) / 1000);
      for (let at = Date.now(); at < until; at += everyMs) {
        const wait = at - Date.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        const r = await post(nextBody());
        totals.accepted += r.accepted;
        if (r.status !== 200) totals.refused++;
      }
    };

    // Readings every SAMPLE_MS beside the load; each minute's peaks printed when it is over.
    const readings: Reading[] = [];
    const started = Date.now();
    const pid = child.pid as number;
    let printed = 0;
    const printMinutes = (upTo: number) => {
      for (const span of minuteSpans(readings, MIN_READINGS)) {
        if (span.minute <= printed || span.minute > upTo) continue;
        printed = span.minute;
        const p = span.peak;
        console.log(
          `| ${span.minute} | ${p.rssMb?.toFixed(0)} | ${p.heapMb?.toFixed(0)} | ${p.openFiles} | ${p.walMb?.toFixed(1)} | ${p.held} | ${p.bufferRows} | ${totals.accepted.toLocaleString('en')} | ${totals.refused} |`,
        );
      }
    };
    let reading = false;
    const sampler = setInterval(() => {
      if (reading) return;
      reading = true;
      const atMs = Date.now() - started;
      void read(pid, target)
        .then((values) => {
          readings.push({ atMs, values });
          printMinutes(Math.floor(atMs / 60_000));
        })
        .catch((err: unknown) => console.error('bench:soak: a reading failed, skipped:', err))
        .finally(() => (reading = false));
    }, SAMPLE_MS);
    console.log(
      '| minute | RSS MB | heap MB | open files | WAL MB | held lines | buffer rows | accepted | refused (503) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    try {
      while (Date.now() < end) {
        const cycleStart = Date.now();
        await over(Math.min(end, cycleStart + cycleMs / 2));
        await under(Math.min(end, cycleStart + cycleMs));
      }
    } finally {
      clearInterval(sampler);
    }
    printMinutes(Infinity);
    console.log('(each figure the peak of its minute, read every 5 s)');

    // Drain: nothing held, nothing buffered; then stop and count what storage has.
    for (let i = 0; i < 600; i++) {
      const now = await read(pid, target);
      if (now.held === 0 && now.bufferRows === 0) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    child.kill('SIGTERM');
    await exited;
    const store = await startStore(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }).clickhouse, {
      logger: pino({ level: 'warn' }),
    });
    const rows = await (
      await store.client.query({
        query: `SELECT count() AS n FROM ${store.database}.logs`,
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    await store.stop();
    const stored = Number(rows[0]?.n ?? 0);
    const expected = before.logs.accepted + totals.accepted;

    const report = new Report('soak');
    const trends = lastHalfTrends(
      minuteSpans(readings, MIN_READINGS),
      FIGURES.map(([, key]) => key),
    );
    for (const t of trends) {
      const [name, , unit] = FIGURES.find(([, key]) => key === t.figure) as (typeof FIGURES)[number];
      report.add({
        case: `${name}: trend of the minutes' ${t.series === 'peak' ? 'peaks' : 'floors'}, last half`,
        value: t.slope,
        peer: t.limit,
        unit: `${unit}/min`,
        note: `limit: 5 % of its level (${t.level.toFixed(1)}) over the last ${t.minutes} min; Theil-Sen`,
      });
    }
    report.add({
      case: 'logs stored (after the drain)',
      value: stored,
      peer: expected,
      unit: 'logs',
      note: 'must equal accepted',
    });
    report.add({
      case: 'logs refused with 503 (requests)',
      value: totals.refused,
      unit: 'requests',
      note: 'backpressure, expected when over',
    });
    console.log();
    report.emit(args.json);
    if (stored !== expected) {
      console.error(`bench:soak: ${expected - stored} accepted logs are not stored`);
      process.exitCode = 1;
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    agent.destroy();
    if (!args.keep) await rm(dataDir, { recursive: true, force: true });
    else console.log(`data folder kept: ${dataDir}`);
  }
}

await main();
