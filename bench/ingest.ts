// HTTP ingestion throughput of the standalone service beside a bare Fastify handler that
// parses the same bodies, measured in the same run on the same machine.
//
//   npm run bench:ingest -- [--data DIR] [--seconds 10] [--connections 8]
//
// Both servers run as child processes; autocannon runs here. Bodies are built from the
// LogHub-2k lines (--data, default ../shared/loghub-2k), which the service has learned
// before the measured runs, so the logs match on arrival (the steady state).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DATASETS, readDataset } from './loghub.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const ROOT = path.resolve(import.meta.dirname, '..');
const SERVICE_PORT = 3191;
const BARE_PORT = 3192;

const lines = DATASETS.flatMap((name) => readDataset(name).map((line) => line.content)).filter(
  (l) => l.trim() !== '',
);

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

function bodies(batch: number, count: number): string[] {
  const out: string[] = [];
  let cursor = 0;
  for (let b = 0; b < count; b++) {
    const logs = [];
    for (let i = 0; i < batch; i++) {
      logs.push({ org: 'bench', service: 'svc', level: 'info', message: lines[cursor++ % lines.length] });
    }
    out.push(batch === 1 ? JSON.stringify(logs[0]) : JSON.stringify({ logs }));
  }
  return out;
}

async function load(url: string, payloads: string[], duration: number) {
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: payloads.map((body) => ({
      method: 'POST' as const,
      path: '/logs/ingest',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  return result;
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-bench-'));
const service = start(['src/cli/service.ts'], {
  DATA_DIR: dataDir,
  INGEST_PORT: String(SERVICE_PORT),
  INGEST_HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
});
const bare = start(['bench/bare-server.ts'], { PORT: String(BARE_PORT) });
const serviceUrl = `http://127.0.0.1:${SERVICE_PORT}`;
const bareUrl = `http://127.0.0.1:${BARE_PORT}`;
try {
  await Promise.all([waitUp(serviceUrl), waitUp(bareUrl)]);
  // Teach the service every kind of line first.
  for (const body of bodies(1000, Math.ceil(lines.length / 1000))) {
    await fetch(`${serviceUrl}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  }
  for (;;) {
    const stats = (await (await fetch(`${serviceUrl}/stats`)).json()) as { queues: { unmatched: number } };
    if (stats.queues.unmatched === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  const rows: string[] = [];
  for (const batch of [1, 100, 1000]) {
    const payloads = bodies(batch, batch === 1 ? 2000 : Math.max(20, Math.ceil(lines.length / batch)));
    const before = (await (await fetch(`${serviceUrl}/stats`)).json()) as {
      logs: { accepted: number; matched: number };
    };
    const bareRun = await load(bareUrl, payloads, seconds);
    const serviceRun = await load(serviceUrl, payloads, seconds);
    const afterStats = (await (await fetch(`${serviceUrl}/stats`)).json()) as {
      logs: { accepted: number; matched: number };
    };
    const accepted = afterStats.logs.accepted - before.logs.accepted;
    const matched = afterStats.logs.matched - before.logs.matched;
    // Accepted logs per second, from the service's own counter: 503s (buffer full) do not count.
    const serviceLogs = Math.round(accepted / serviceRun.duration);
    const bareLogs = Math.round((bareRun['2xx'] * batch) / bareRun.duration);
    rows.push(
      `| ${batch} | ${serviceLogs.toLocaleString('en')} | ${bareLogs.toLocaleString('en')} | ${((serviceLogs / bareLogs) * 100).toFixed(0)}% | ${serviceRun.latency.p99} ms | ${bareRun.latency.p99} ms | ${serviceRun.non2xx} | ${accepted === 0 ? '-' : ((matched / accepted) * 100).toFixed(1) + '%'} |`,
    );
  }
  console.log(
    `\nHTTP ingestion, ${connections} connections, ${seconds} s per run, Node ${process.version}, ${lines.length} LogHub lines\n`,
  );
  console.log(
    '| logs per request | log-ingest logs/s accepted | bare Fastify logs/s | of bare | log-ingest p99 | bare p99 | log-ingest 503s | matched on arrival |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  service.kill('SIGTERM');
  bare.kill('SIGTERM');
  await new Promise((r) => service.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
}
