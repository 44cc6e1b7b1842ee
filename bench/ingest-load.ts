// What the HTTP ingestion benchmarks (bench/ingest.ts, bench/ingest-tenancy.ts) drive: the
// standalone service as a child process with its writer discarding, autocannon loads of
// LogHub-2k bodies, and readings of /stats (and, re-exported, of /proc). Import it after LOGHUB_DIR is set:
// loghub.ts reads it when it loads.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { DATASETS, readDataset, withFreshNumbers } from './loghub.ts';

export { cpuSeconds, peakRssMb } from './proc.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The LogHub-2k lines the bodies are made of. */
export const lines = DATASETS.flatMap((name) => readDataset(name).map((line) => line.content)).filter(
  (l) => l.trim() !== '',
);

export function bodies(batch: number, count: number, vary: boolean): string[] {
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
export function payloadsFor(batch: number): string[] {
  return bodies(batch, batch === 1 ? 5000 : Math.max(50, Math.ceil(50_000 / batch)), true);
}

export function label(batch: number): string {
  return batch === 1 ? 'single logs' : `batches of ${batch}`;
}

/** Runs `args` with this Node in `root` (default: this checkout). */
export function start(args: string[], env: Record<string, string>, root = ROOT): ChildProcess {
  return spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function waitUp(url: string): Promise<void> {
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

/** A service under test: where it listens and the Authorization it needs (none without keys). */
export interface Target {
  url: string;
  headers: Record<string, string>;
}

/** `connections` connections, each sending its next request once it has the answer to its last. */
export async function load(
  target: Target,
  payloads: string[],
  { connections, duration, overallRate }: { connections: number; duration: number; overallRate?: number },
) {
  const headers = { 'content-type': 'application/json', ...target.headers };
  return autocannon({
    url: target.url,
    connections,
    duration,
    ...(overallRate === undefined ? {} : { overallRate }),
    requests: payloads.map((body) => ({ method: 'POST' as const, path: '/logs/ingest', headers, body })),
  });
}

export interface Stats {
  logs: { accepted: number; matched: number };
  queues: { unmatched: number };
}
export async function stats(target: Target): Promise<Stats> {
  const res = await fetch(`${target.url}/stats`, { headers: target.headers });
  if (!res.ok) throw new Error(`GET ${target.url}/stats: ${res.status} ${await res.text()}`);
  return (await res.json()) as Stats;
}

/** Teaches the service every kind of line, so that the measured logs match on arrival. */
export async function learn(target: Target): Promise<void> {
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

/**
 * The standalone service as a child process, its writer discarding, on its own data folder;
 * `root`: another checkout's service (a baseline), this one's by default.
 */
export async function startService(port: number, env: Record<string, string>, root?: string) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-bench-'));
  const child = start(
    ['src/cli/service.ts'],
    {
      DATA_DIR: dataDir,
      INGEST_PORT: String(port),
      INGEST_HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      BENCH_DISCARD_LOGS: 'true',
      ...env,
    },
    root,
  );
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
