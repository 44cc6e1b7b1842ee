/**
 * Kafka-mode roles as separate OS processes (node src/cli/service.ts <role>) on the test broker,
 * each pipeline on its own topics and consumer groups, and its writer on its own data folder.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, spawnService, waitUntilUp, type ServiceProcess } from '../../helpers/process.ts';
import { kafkaBrokers } from './helpers.ts';

export type RoleName = 'ingest' | 'matcher' | 'generator' | 'writer' | 'all';

export interface RoleProcess extends ServiceProcess {
  role: RoleName;
  instanceId: string;
}

export interface StoredLogView {
  message: string;
  template_id: number | string;
  template: string | null;
  variables: string[];
  metadata: Record<string, string>;
}

export class Pipeline {
  readonly prefix = `p${randomUUID().slice(0, 8)}`;
  readonly env: Record<string, string>;
  readonly processes: RoleProcess[] = [];
  dataDir = '';

  constructor(brokers: readonly string[] = kafkaBrokers(), extra: Record<string, string> = {}) {
    const p = this.prefix;
    this.env = {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_RAW: `${p}.raw`,
      KAFKA_TOPIC_UNMATCHED: `${p}.unmatched`,
      KAFKA_TOPIC_MATCHED: `${p}.matched`,
      KAFKA_TOPIC_TEMPLATES: `${p}.templates`,
      KAFKA_TOPIC_DEAD_LETTER: `${p}.dead-letter`,
      KAFKA_GROUP_MATCHER: `${p}-matcher`,
      KAFKA_GROUP_WRITER: `${p}-writer`,
      KAFKA_GROUP_GENERATOR: `${p}-generator`,
      KAFKA_PARTITIONS: '3',
      ...extra,
    };
  }

  get topics() {
    return {
      raw: this.env['KAFKA_TOPIC_RAW'] as string,
      unmatched: this.env['KAFKA_TOPIC_UNMATCHED'] as string,
      matched: this.env['KAFKA_TOPIC_MATCHED'] as string,
      templates: this.env['KAFKA_TOPIC_TEMPLATES'] as string,
      deadLetter: this.env['KAFKA_TOPIC_DEAD_LETTER'] as string,
      all: ['RAW', 'UNMATCHED', 'MATCHED', 'TEMPLATES', 'DEAD_LETTER'].map(
        (t) => this.env[`KAFKA_TOPIC_${t}`] as string,
      ),
    };
  }

  /** Starts one role and waits until its /health answers 200 (a matcher: templates read). */
  async start(role: RoleName, options: { instanceId?: string; env?: Record<string, string> } = {}) {
    const ownsStore = role === 'writer' || role === 'all';
    if (ownsStore && this.dataDir === '') {
      this.dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-kafka-'));
    }
    const instanceId = options.instanceId ?? `${role}-${randomUUID().slice(0, 8)}`;
    const proc = spawnService(
      {
        ...this.env,
        INGEST_PORT: String(await freePort()),
        KAFKA_INSTANCE_ID: instanceId,
        ...(ownsStore ? { DATA_DIR: this.dataDir } : {}),
        ...options.env,
      },
      [role],
    );
    const running: RoleProcess = { ...proc, role, instanceId };
    this.processes.push(running);
    await waitUntilUp(proc.url, proc.exited).catch((err: unknown) => {
      throw new Error(`${role} did not start: ${String(err)}\n${proc.stderr()}`);
    });
    return running;
  }

  /** The four roles, downstream first. */
  async startAll() {
    const writer = await this.start('writer');
    const generator = await this.start('generator');
    const matcher = await this.start('matcher');
    const ingest = await this.start('ingest');
    return { writer, generator, matcher, ingest };
  }

  async stop(proc: RoleProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    proc.child.kill(signal);
    return proc.exited;
  }

  async close(): Promise<void> {
    for (const proc of this.processes) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await Promise.all(this.processes.map((p) => p.exited));
    if (this.dataDir !== '') await rm(this.dataDir, { recursive: true, force: true });
  }
}

export { postLogs } from '../../helpers/service.ts';

export async function stats(
  url: string,
): Promise<Record<string, unknown> & { kafka: Record<string, unknown> }> {
  return (await (await fetch(`${url}/stats`)).json()) as Record<string, unknown> & {
    kafka: Record<string, unknown>;
  };
}

/** Every stored log of `org`, read through the writer's read API page by page. */
export async function storedLogs(writerUrl: string, org: string): Promise<StoredLogView[]> {
  const out: StoredLogView[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ org, limit: '10000' });
    if (cursor !== null) query.set('cursor', cursor);
    const res = await fetch(`${writerUrl}/logs?${query.toString()}`);
    if (res.status !== 200) throw new Error(`GET /logs: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { logs: StoredLogView[]; next_cursor: string | null };
    out.push(...page.logs);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return out;
}

/** Polls until `read` gives `expected` stored logs (then settles a moment to catch extras). */
export async function waitForStored(
  writerUrl: string,
  org: string,
  expected: number,
  ms = 60_000,
): Promise<StoredLogView[]> {
  const deadline = Date.now() + ms;
  let last: StoredLogView[] = [];
  while (Date.now() < deadline) {
    last = await storedLogs(writerUrl, org);
    if (last.length >= expected) {
      // Anything stored twice would arrive right behind: look once more.
      await sleep(1000);
      return storedLogs(writerUrl, org);
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${expected} stored logs of ${org}: ${last.length} so far`);
}

/** A message with its own template kind and a unique sequence number in metadata. */
export function logLine(org: string, seq: number, kinds = 4): object {
  const kind = seq % kinds;
  const messages = [
    `Connection timeout after ${seq % 90}s to db-${seq % 13}`,
    `User ${seq} logged in from 10.0.${seq % 250}.${seq % 7}`,
    `Cache miss for key session:${seq} in region eu-${seq % 3}`,
    `Job ${seq} finished in ${seq % 1000} ms with status ok`,
  ];
  return { org, message: messages[kind] ?? messages[0], metadata: { seq: String(seq) } };
}

/** Runs `npm run replay` (node src/cli/replay.ts) with the pipeline's settings; resolves with its exit and output. */
export async function runReplay(
  p: Pipeline,
  args: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const { ROOT } = await import('../../helpers/process.ts');
  const child = spawn(process.execPath, ['src/cli/replay.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...p.env, DATA_DIR: p.dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}
