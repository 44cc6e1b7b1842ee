import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A port that was free a moment ago, for a child process to listen on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** What the service wrote to stdout so far: its own log. */
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the service as `npm start` does (node src/cli/service.ts [role]), as its own OS process.
 * The test run's KAFKA_BROKERS (and ROLE) are not inherited: standalone unless `env` says so.
 */
export function spawnService(env: Record<string, string>, args: readonly string[] = []): ServiceProcess {
  const inherited = { ...process.env };
  delete inherited['KAFKA_BROKERS'];
  delete inherited['ROLE'];
  const child = spawn(process.execPath, ['src/cli/service.ts', ...args], {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'warn', INGEST_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    url: `http://127.0.0.1:${env['INGEST_PORT'] ?? '3002'}`,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
}

export async function waitUntilUp(url: string, exited: Promise<number | null>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !done) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(done ? 'the service exited during start' : 'the service did not come up');
}
