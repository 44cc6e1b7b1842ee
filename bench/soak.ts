// Soak (issue "Performance, second round", point 5): the standalone service, storing for real,
// driven past what storage absorbs and then back under it, over and over, for --minutes. Each
// minute (at the same point of the cycle) it reads the service's resident memory, V8 heap, open
// files, write-ahead-log bytes, held (unmatched) lines and write-buffer rows, and prints them as
// a row. At the end: the slope of each over the last half of the run, beside a limit of 5 % of
// its own level per half-run (what "does not grow" means for a figure that swings with the load),
// and every accepted log counted in storage after the drain (stored must equal accepted).
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

interface Sample {
  minute: number;
  rssMb: number;
  heapMb: number;
  openFiles: number;
  walMb: number;
  held: number;
  bufferRows: number;
  accepted: number;
  refused: number;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function sample(
  pid: number,
  target: Target,
  minute: number,
  totals: { accepted: number; refused: number },
): Promise<Sample> {
  const metrics = await (await fetch(`${target.url}/metrics`)).text();
  const heap = Number(/^log_ingest_nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? 0);
  const stats = (await (await fetch(`${target.url}/stats`)).json()) as {
    wal: { bytes: number } | null;
    queues: { unmatched: number };
    buffer: { rows: number; in_flight_rows: number };
  };
  return {
    minute,
    rssMb: rssMb(pid),
    heapMb: heap / 2 ** 20,
    openFiles: readdirSync(`/proc/${pid}/fd`).length,
    walMb: (stats.wal?.bytes ?? 0) / 2 ** 20,
    held: stats.queues.unmatched,
    bufferRows: stats.buffer.rows + stats.buffer.in_flight_rows,
    accepted: totals.accepted,
    refused: totals.refused,
  };
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
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

    const samples: Sample[] = [];
    const started = Date.now();
    let nextSample = started + 60_000;
    console.log(
      '| minute | RSS MB | heap MB | open files | WAL MB | held lines | buffer rows | accepted | refused (503) |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    while (Date.now() < end) {
      const cycleStart = Date.now();
      await over(Math.min(end, cycleStart + cycleMs / 2));
      await under(Math.min(end, cycleStart + cycleMs));
      if (Date.now() >= nextSample || Date.now() >= end) {
        const s = await sample(
          child.pid as number,
          target,
          Math.round((Date.now() - started) / 60_000),
          totals,
        );
        samples.push(s);
        nextSample += 60_000;
        console.log(
          `| ${s.minute} | ${s.rssMb.toFixed(0)} | ${s.heapMb.toFixed(0)} | ${s.openFiles} | ${s.walMb.toFixed(1)} | ${s.held} | ${s.bufferRows} | ${s.accepted.toLocaleString('en')} | ${s.refused} |`,
        );
      }
    }

    // Drain: nothing held, nothing buffered; then stop and count what storage has.
    for (let i = 0; i < 600; i++) {
      const s = await sample(child.pid as number, target, 0, totals);
      if (s.held === 0 && s.bufferRows === 0) break;
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
    const half = samples.slice(Math.floor(samples.length / 2));
    const figures: Array<[string, (s: Sample) => number, string]> = [
      ['RSS', (s) => s.rssMb, 'MB/min'],
      ['V8 heap used', (s) => s.heapMb, 'MB/min'],
      ['open files', (s) => s.openFiles, 'files/min'],
      ['write-ahead log', (s) => s.walMb, 'MB/min'],
      ['held lines', (s) => s.held, 'lines/min'],
      ['write-buffer rows', (s) => s.bufferRows, 'rows/min'],
    ];
    const halfMinutes = Math.max(1, (half.at(-1)?.minute ?? 1) - (half[0]?.minute ?? 0));
    for (const [name, read, unit] of figures) {
      const level = half.reduce((sum, s) => sum + read(s), 0) / Math.max(1, half.length);
      // Growth over the last half under 5 % of the level (at least one unit for figures near 0).
      const limit = Math.max(0.05 * level, 1) / halfMinutes;
      report.add({
        case: `${name}: slope over the last half`,
        value: slope(half.map((s) => [s.minute, read(s)])),
        peer: limit,
        unit,
        note: `limit: 5 % of its level (${level.toFixed(1)}) over the last ${halfMinutes} min`,
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
