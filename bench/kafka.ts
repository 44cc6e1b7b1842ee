// Kafka mode end to end: logs/s from logs.raw through the matcher processes, the matched topic
// and the writer into storage, with one and with two matcher processes, on the local broker;
// and scaling out and in: one matcher, a second and a third joining and one leaving mid-stream.
//
//   npm run bench:kafka -- [--logs 200000] [--matchers 1,2] [--scale] [--memory
//     [--memory-settings 'NAME=VALUE;...']... [--rounds 2]] [--data DIR] [--json FILE]
//
// --memory: the memory case (bench/kafka/matcher-memory.ts): after the templates are learned and
// --logs logs wait in logs.raw, one matcher at a time (a fresh group each, so each reads the
// whole backlog; the writer and generator stopped) with its resident memory read every 250 ms
// beside the 150 MB limit, per --memory-settings (environment of the matcher; NODE_FLAGS=...
// replaces its Node flags; ENTRY=... the script it starts from; '' = as shipped, the peer of the
// others), alternating over --rounds.
//
// --matchers: the cases with N matchers all started at once (0 or empty: none). --scale: the
// scaling case (--no-scale to leave it out): matcher 1 starts alone, matcher 2 joins once 15% of
// the logs were taken, matcher 3 at 40%, and matcher 2 stops (SIGTERM) at 65%. Per change it
// reports the rebalances the members took part in, the transactions aborted and read again, the
// member restarts, and the paused time: how long the group took no record (polled every 100 ms)
// while logs were waiting. Every case reports the matchers' throughput per CPU second (records
// taken over the matchers' CPU seconds while they were taking them): the capacity of one core,
// so N matchers on N cores is N times it until the broker or the writer is the limit.
//
// Per case: fresh topics and groups (a unique prefix), a fresh writer DATA_DIR, KAFKA_PARTITIONS=6,
// every role its own process (node src/cli/service.ts <role>). The templates are learned first
// (the LogHub-2k lines through a warm-up matcher, the generator and the writer, waited for until
// stored); then --logs logs are produced to logs.raw directly (Avro, as a direct producer would),
// the measured matchers start, and the run ends when the writer has stored every log. The
// figure is the storage rate from the moment every matcher has taken records, from the
// writer's own row counter; the stored rows are then counted through GET /logs. Also: each
// matcher's peak RSS (VmHWM), whether it mapped the embedded engine (libchdb in
// /proc/<pid>/maps), and the CPU seconds of every role (and of the writer's threads) over the
// measured window.
//
// The roles create the topics with the broker's defaults (1 MiB record batches): this bench
// found that a matcher starting with a backlog produced one batch's output over that limit and
// looped on MESSAGE_TOO_LARGE; the client now cuts sends under it (client.ts underRequestLimit).
//
// Uses KAFKA_BROKERS when set; otherwise runs scripts/kafka/up.sh (idempotent) and leaves the
// broker running. The bench's topics are deleted at the end. By hand: BENCH_STALL_MS (give up
// after this long without a row stored, default 120000), BENCH_MATCHER_NODE_OPTIONS
// (NODE_OPTIONS of the measured matchers, e.g. --max-old-space-size=256), BENCH_ROLE_LOGS (a
// folder: every role's whole log, at LOG_LEVEL=info, in <folder>/<role name>.log, to read the
// timestamps of a rebalance on each member).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { murmur2 } from '@platformatic/kafka';
import { MATCHER_NODE_FLAGS, NODE_FLAGS } from '../src/cli/node-flags.ts';
import type { LogRecord } from '../src/model/log.ts';
import { serdes } from '../src/transport/kafka/connect.ts';
import { toOutgoing } from '../src/transport/kafka/channel.ts';
import { createKafka, type Kafka } from '../src/transport/kafka/client/index.ts';
import {
  MATCHER_RSS_LIMIT_MB,
  measureMatcher,
  parseSetting,
  type MatcherSetting,
  type MemoryRun,
} from './kafka/matcher-memory.ts';
import { DATASETS, readDataset, withFreshNumbers } from './loghub.ts';
import { cpuOfStat, cpuSeconds as cpuSecondsSoFar, peakRssMb } from './proc.ts';
import { Report, spread } from './report.ts';

const { values } = parseArgs({
  allowNegative: true,
  options: {
    logs: { type: 'string', default: '200000' },
    matchers: { type: 'string', default: '1,2' },
    scale: { type: 'boolean', default: true },
    memory: { type: 'boolean', default: false },
    'memory-settings': { type: 'string', multiple: true },
    rounds: { type: 'string', default: '2' },
    data: { type: 'string' },
    json: { type: 'string' },
  },
});
/**
 * Without the workaround the run shows the bug it works around: a matcher that starts with a
 * backlog reads a full fetch of one partition (about 1 MiB), and its output for that batch (the
 * same logs with template ids and variables, a few thousand records) goes to a partition of
 * logs.matched or logs.unmatched in one produce request, which the broker refuses over its
 * 1 MiB record-batch limit (MESSAGE_TOO_LARGE): the transaction fails, the member restarts and
 * reads the same batch again, for ever.
 */
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
const LOGS = Number(values.logs);
const CASES = values.matchers
  .split(',')
  .filter((v) => v.trim() !== '' && v.trim() !== '0')
  .map(Number);
if (!Number.isSafeInteger(LOGS) || LOGS < 1) throw new Error(`--logs: expected a positive integer`);
if (CASES.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new Error('--matchers: e.g. 1,2');

const ROOT = path.resolve(import.meta.dirname, '..');
const PARTITIONS = 6;
/** Records per produce call of the bench's producer. */
const SEND_BATCH = 5000;
/** Nothing stored for this long: the run has failed. */
const STALL_MS = Number(process.env['BENCH_STALL_MS'] ?? 120_000);
const POLL_MS = 100;
/** NODE_OPTIONS for the measured matchers only (by hand). */
const MATCHER_NODE_OPTIONS = process.env['BENCH_MATCHER_NODE_OPTIONS'];
const ROLE_LOGS = process.env['BENCH_ROLE_LOGS'];
/** The group members' session timeout (src/transport/kafka/client/context.ts), for the leave's peer. */
const LEAVER_SESSION_TIMEOUT_S = 10;

// ---------------------------------------------------------------------------------------------
// The broker

function brokers(): { list: string[]; brokerPid: number | undefined } {
  let value = process.env['KAFKA_BROKERS'];
  if (value === undefined || value.trim() === '') {
    const up = spawnSync('bash', [path.join(ROOT, 'scripts/kafka/up.sh')], { encoding: 'utf8' });
    if (up.status !== 0) throw new Error(`scripts/kafka/up.sh failed:\n${up.stderr}`);
    const last = up.stdout.trim().split('\n').at(-1) ?? '';
    if (!last.startsWith('KAFKA_BROKERS=')) throw new Error(`scripts/kafka/up.sh printed ${last}`);
    value = last.slice('KAFKA_BROKERS='.length);
    if (!up.stderr.includes('already running')) {
      console.error('bench: started the local broker (left running; npm run kafka:down stops it)');
    }
  }
  const list = value.split(',').map((s) => s.trim());
  return { list, brokerPid: localBrokerPid(list) };
}

/** The JVM of the broker scripts/kafka/up.sh started, if that is the one we talk to (for its CPU). */
function localBrokerPid(list: readonly string[]): number | undefined {
  const dir = process.env['KAFKA_LOCAL_DIR'] ?? path.join(ROOT, '.kafka');
  try {
    const port = /^KAFKA_PORT=(\d+)$/m.exec(readFileSync(path.join(dir, 'broker.env'), 'utf8'))?.[1];
    if (!list.some((b) => /^(127\.0\.0\.1|localhost):\d+$/.test(b) && b.endsWith(`:${port}`)))
      return undefined;
    const pid = Number(readFileSync(path.join(dir, 'broker.pid'), 'utf8').trim());
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka') ? pid : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The logs

/**
 * One org per LogHub system, named so that the twelve land two per partition (the producer's
 * partitioner: murmur2 of the key): a matcher's share of partitions is its share of the load.
 */
function orgNames(): string[] {
  const partitionOf = (org: string) => (murmur2(Buffer.from(org)) >>> 0) % PARTITIONS;
  return DATASETS.map((name, i) => {
    for (let k = 0; ; k++) {
      const org = `bench-${name.toLowerCase()}-${k}`;
      if (partitionOf(org) === i % PARTITIONS) return org;
    }
  });
}

const ORGS = orgNames();
const SOURCE = DATASETS.map((name, i) => ({
  org: ORGS[i] as string,
  lines: readDataset(name)
    .map((l) => l.content)
    .filter((l) => l.trim() !== ''),
}));

interface Encoded {
  key: string;
  value: Buffer;
}

function encode(logs: Iterable<LogRecord>): Encoded[] {
  const serde = serdes.logRecord();
  const out: Encoded[] = [];
  for (const log of logs) {
    const m = toOutgoing(serde, '', log);
    out.push({ key: m.key as string, value: m.value as Buffer });
  }
  return out;
}

function* records(count: number, vary: boolean, phase: string): Generator<LogRecord> {
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    // The systems interleaved line by line, so every partition gets its share all along.
    const system = SOURCE[i % SOURCE.length] as (typeof SOURCE)[number];
    const line = system.lines[Math.floor(i / SOURCE.length) % system.lines.length] ?? '';
    yield {
      timestamp: now - (count - i),
      org: system.org,
      dashboard: '',
      service: 'bench',
      host: `host-${i % 8}`,
      level: 'INFO',
      message: vary ? withFreshNumbers(line) : line,
      metadata: { phase, seq: String(i) },
      id: '',
    };
  }
}

/** The warm-up: every LogHub line once as it is, then once with fresh numbers. */
const LINES = SOURCE.reduce((n, s) => Math.max(n, s.lines.length), 0) * SOURCE.length;
const WARM = [...encode(records(LINES, false, 'warm')), ...encode(records(LINES, true, 'warm2'))];
const RUN = encode(records(LOGS, true, 'run'));

async function produce(kafka: Kafka, topic: string, items: readonly Encoded[]): Promise<number> {
  const producer = kafka.producer();
  const contentType = serdes.logRecord().contentType;
  const started = performance.now();
  try {
    for (let i = 0; i < items.length; i += SEND_BATCH) {
      await producer.send(
        items
          .slice(i, i + SEND_BATCH)
          .map((e) => ({ topic, key: e.key, value: e.value, headers: { 'content-type': contentType } })),
      );
    }
  } finally {
    await producer.close();
  }
  return items.length / ((performance.now() - started) / 1000);
}

// ---------------------------------------------------------------------------------------------
// Role processes

interface Role {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  exited: Promise<number | null>;
  stderr: () => string;
  /** Consumer restarts logged, by reason. */
  restarts: Map<string, number>;
}

async function freePort(): Promise<number> {
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

/**
 * A role's process, started as the deployment files start it: with the service's Node flags, a
 * matcher with the matcher's (src/cli/node-flags.ts).
 */
async function spawnRole(
  name: string,
  role: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = role === 'matcher' ? MATCHER_NODE_FLAGS : NODE_FLAGS,
  entry = 'src/cli/service.ts',
): Promise<Role> {
  const port = await freePort();
  const inherited = { ...process.env };
  delete inherited['ROLE'];
  const child = spawn(process.execPath, [...nodeFlags, entry, role], {
    cwd: ROOT,
    env: {
      ...inherited,
      LOG_LEVEL: ROLE_LOGS === undefined ? 'warn' : 'info',
      INGEST_HOST: '127.0.0.1',
      INGEST_PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (ROLE_LOGS !== undefined) {
    mkdirSync(ROLE_LOGS, { recursive: true });
    const file = createWriteStream(path.join(ROLE_LOGS, `${name.replaceAll(' ', '-')}.log`), { flags: 'a' });
    child.stdout?.pipe(file);
    child.stderr?.pipe(file);
  }
  // The service logs (pino, LOG_LEVEL=warn) to stdout: kept with stderr, the last 20 kB, and
  // the reasons of consumer restarts counted.
  let stderr = '';
  let partial = '';
  const restarts = new Map<string, number>();
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-20_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('consumer restarting')) continue;
      try {
        // The topic and partition vary; the reason is what follows them.
        const err = String((JSON.parse(line) as { err?: unknown }).err);
        const reason = err.replace(/^transaction for \S+: /, '');
        restarts.set(reason, (restarts.get(reason) ?? 0) + 1);
      } catch {
        // not a log line
      }
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  return {
    name,
    child,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    exited,
    stderr: () => stderr,
    restarts,
  };
}

async function waitHealthy(role: Role, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  let exited = false;
  void role.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(`${role.url}/health`, { signal: AbortSignal.timeout(5000) })).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${role.name} did not become healthy${exited ? ' (exited)' : ''}:\n${role.stderr()}`);
}

async function stopRole(role: Role): Promise<void> {
  if (role.child.exitCode !== null || role.child.signalCode !== null) return;
  role.child.kill('SIGTERM');
  const done = await Promise.race([role.exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    role.child.kill('SIGKILL');
    await role.exited;
  }
}

interface KafkaStats {
  kafka: {
    writer?: { rowsInserted: number; inserts: number } | null;
    matcher?: {
      records?: number;
      restarts?: number;
      aborts?: number;
      rebalances?: number;
      templatesCaughtUp?: boolean;
    } | null;
  };
  logs: { matched: number; unmatched: number };
}

async function stats(role: Role): Promise<KafkaStats | undefined> {
  try {
    const res = await fetch(`${role.url}/stats`, { signal: AbortSignal.timeout(5000) });
    return res.status === 200 ? ((await res.json()) as KafkaStats) : undefined;
  } catch {
    return undefined;
  }
}

async function rowsInserted(writer: Role): Promise<number> {
  return (await stats(writer))?.kafka.writer?.rowsInserted ?? 0;
}

/** CPU seconds (user + system) a process has used so far; NaN once it has exited. */
function cpuSeconds(pid: number): number {
  try {
    return cpuSecondsSoFar(pid);
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds per thread of a process so far, by thread name; the main thread (Node's event
 * loop: JavaScript) as `main`. Threads that ended in between are not seen.
 */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(name, (out.get(name) ?? 0) + cpuOfStat(stat));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function benchCpu(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

const mapsChdb = (pid: number) => readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libchdb');

/** Every stored row of the run (metadata.phase = run), counted through the writer's read API. */
async function countStored(writer: Role): Promise<{ rows: number; distinct: number }> {
  let rows = 0;
  const seen = new Set<string>();
  for (const org of ORGS) {
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ org, limit: '10000' });
      if (cursor !== null) query.set('cursor', cursor);
      const res = await fetch(`${writer.url}/logs?${query.toString()}`);
      if (res.status !== 200) throw new Error(`GET /logs: ${res.status} ${await res.text()}`);
      const page = (await res.json()) as {
        logs: Array<{ metadata: Record<string, string> }>;
        next_cursor: string | null;
      };
      for (const log of page.logs) {
        if (log.metadata['phase'] !== 'run') continue;
        rows++;
        seen.add(log.metadata['seq'] ?? '');
      }
      cursor = page.next_cursor;
    } while (cursor !== null);
  }
  return { rows, distinct: seen.size };
}

// ---------------------------------------------------------------------------------------------
// One case

interface CaseResult {
  matchers: number;
  /** Logs/s into storage while every matcher consumed. */
  steady: number;
  /** Logs/s from the first record a matcher took to the last row stored. */
  overall: number;
  window: number;
  /** Seconds from the first record a matcher took until the matchers had taken every log. */
  matchersDoneAfter: number;
  /** ... until the writer had stored every log. */
  writerDoneAfter: number;
  insertsInWindow: number;
  rowsInWindow: number;
  /** Consumer restarts of the matchers (a failed transaction: the batch is read again). */
  restarts: number;
  restartReasons: string[];
  /** The writer's CPU seconds in the window by thread name (main = JavaScript). */
  writerThreads: Array<{ name: string; seconds: number }>;
  produceRate: number;
  cpu: Array<{ role: string; seconds: number }>;
  matcherRss: number[];
  matcherChdb: boolean[];
  writerChdb: boolean;
  matchedOnArrival: number;
  stored: { rows: number; distinct: number };
  partitions: bigint[];
  /** Records the matchers took per CPU second of theirs, from t0 until they had taken every log. */
  perCore: number;
  /** Transactions aborted and read again by the same member (refused in a rebalance). */
  aborts: number;
}

/** A pipeline with its templates learned and the run's logs waiting in logs.raw. */
interface Pipeline {
  kafka: Kafka;
  writer: Role;
  generator: Role;
  start: (
    name: string,
    role: string,
    extra?: Record<string, string>,
    nodeFlags?: readonly string[],
    entry?: string,
  ) => Promise<Role>;
  produceRate: number;
  partitions: bigint[];
  /** The writer's rowsInserted once every log of the run is stored. */
  target: number;
  /** logs.raw and the matchers' group: what is left to take is its lag there. */
  raw: string;
  matcherGroup: string;
  close: () => Promise<void>;
}

/**
 * Fresh topics and groups (a unique prefix), a fresh writer DATA_DIR; the writer and the
 * generator; the templates learned through a warm-up matcher of their own; then --logs logs
 * produced to logs.raw. The caller starts the measured matchers.
 */
async function pipeline(list: string[], label: string): Promise<Pipeline> {
  const p = `bench-kafka-${randomUUID().slice(0, 8)}-${label}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: list.join(','),
    KAFKA_TOPIC_RAW: `${p}.raw`,
    KAFKA_TOPIC_UNMATCHED: `${p}.unmatched`,
    KAFKA_TOPIC_MATCHED: `${p}.matched`,
    KAFKA_TOPIC_TEMPLATES: `${p}.templates`,
    KAFKA_TOPIC_DEAD_LETTER: `${p}.dead-letter`,
    KAFKA_GROUP_MATCHER: `${p}-matcher`,
    KAFKA_GROUP_WRITER: `${p}-writer`,
    KAFKA_GROUP_GENERATOR: `${p}-generator`,
    KAFKA_PARTITIONS: String(PARTITIONS),
    // The per-org rate limit would cap the pipeline being measured.
    INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
  };
  const topics = ['RAW', 'UNMATCHED', 'MATCHED', 'TEMPLATES', 'DEAD_LETTER'].map(
    (t) => env[`KAFKA_TOPIC_${t}`] as string,
  );
  const raw = env['KAFKA_TOPIC_RAW'] as string;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'log-ingest-bench-kafka-'));
  const kafka = createKafka({ brokers: list, clientId: 'bench-kafka' });
  const roles: Role[] = [];
  const start = async (
    name: string,
    role: string,
    extra: Record<string, string> = {},
    nodeFlags?: readonly string[],
    entry?: string,
  ) => {
    const r = await spawnRole(
      name,
      role,
      { ...env, KAFKA_INSTANCE_ID: `${p}-${name}`, ...extra },
      nodeFlags,
      entry,
    );
    roles.push(r);
    return r;
  };
  const close = async () => {
    await Promise.all(roles.map((r) => stopRole(r)));
    await kafka.admin
      .deleteTopics(topics)
      .catch((err: unknown) => console.error(`bench: deleting topics: ${String(err)}`));
    await kafka.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // Downstream first: the writer creates (or checks) the topics.
    const writer = await start('writer', 'writer', { DATA_DIR: dataDir });
    await waitHealthy(writer);
    const generator = await start('generator', 'generator');
    await waitHealthy(generator);

    // Templates first: the warm-up lines through a matcher of their own, until stored.
    const warmMatcher = await start('warm-up matcher', 'matcher');
    await waitHealthy(warmMatcher);
    await produce(kafka, raw, WARM);
    await waitStored(writer, WARM.length, [writer, generator, warmMatcher]);
    await stopRole(warmMatcher);
    console.error(`bench: ${label}: ${WARM.length} warm-up logs stored; producing ${LOGS}`);

    const produceRate = await produce(kafka, raw, RUN);
    const partitions = await kafka.admin.endOffsets(raw);
    return {
      kafka,
      writer,
      generator,
      start,
      produceRate,
      partitions,
      target: WARM.length + LOGS,
      raw,
      matcherGroup: env['KAFKA_GROUP_MATCHER'] as string,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function runCase(list: string[], brokerPid: number | undefined, n: number): Promise<CaseResult> {
  const { writer, generator, start, produceRate, partitions, target, close } = await pipeline(list, `m${n}`);
  try {
    // The measured matchers, all at once; CPU counted from their start.
    const matchers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        start(
          `matcher ${i + 1}`,
          'matcher',
          MATCHER_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: MATCHER_NODE_OPTIONS },
        ),
      ),
    );
    const measured = [writer, generator, ...matchers];
    const cpuOf = () => [
      ...measured.map((r) => ({ role: r.name, seconds: cpuSeconds(r.pid) })),
      ...(brokerPid === undefined ? [] : [{ role: 'broker (JVM)', seconds: cpuSeconds(brokerPid) }]),
      { role: 'bench (polling)', seconds: benchCpu() },
    ];
    let first: number | undefined;
    let t0:
      | {
          at: number;
          rows: number;
          inserts: number;
          cpu: ReturnType<typeof cpuOf>;
          writerThreads: Map<string, number>;
          records: number;
          matcherCpu: number;
        }
      | undefined;
    const matcherCpu = () => matchers.reduce((sum, m) => sum + cpuSeconds(m.pid), 0);
    let matchersDone: { at: number; matcherCpu: number } | undefined;
    let inserts = 0;
    let lastRows = WARM.length;
    let lastProgress = Date.now();
    let rows = 0;
    let t1 = 0;
    for (;;) {
      const [w, ...ms] = await Promise.all([stats(writer), ...matchers.map((m) => stats(m))]);
      const now = performance.now();
      rows = w?.kafka.writer?.rowsInserted ?? lastRows;
      inserts = w?.kafka.writer?.inserts ?? inserts;
      const records = ms.map((s) => s?.kafka.matcher?.records ?? 0);
      if (first === undefined && records.some((r) => r > 0)) first = now;
      const taken = records.reduce((a, b) => a + b, 0);
      if (t0 === undefined && records.every((r) => r > 0))
        t0 = {
          at: now,
          rows,
          inserts,
          cpu: cpuOf(),
          writerThreads: threadCpu(writer.pid),
          records: taken,
          matcherCpu: matcherCpu(),
        };
      if (matchersDone === undefined && taken >= LOGS) matchersDone = { at: now, matcherCpu: matcherCpu() };
      if (rows >= target) {
        t1 = now;
        break;
      }
      if (rows > lastRows) {
        lastRows = rows;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_MS) {
        throw new Error(
          `nothing stored for ${STALL_MS / 1000} s: ${rows - WARM.length} of ${LOGS}\n${await describe(measured)}`,
        );
      }
      for (const r of measured) {
        if (r.child.exitCode !== null) throw new Error(`${r.name} exited:\n${r.stderr()}`);
      }
      await sleep(POLL_MS);
    }
    const cpu1 = cpuOf();
    const writerThreads1 = threadCpu(writer.pid);
    if (t0 === undefined || first === undefined) {
      throw new Error('the run ended before every matcher had consumed a record: raise --logs');
    }
    const window = (t1 - t0.at) / 1000;
    const cpu = cpu1.map((c, i) => ({ role: c.role, seconds: c.seconds - (t0.cpu[i]?.seconds ?? 0) }));
    const matcherStats = await Promise.all(matchers.map((m) => stats(m)));
    const matched = matcherStats.reduce((s, x) => s + (x?.logs.matched ?? 0), 0);
    const restarts = matcherStats.reduce((s, x) => s + (x?.kafka.matcher?.restarts ?? 0), 0);
    const aborts = matcherStats.reduce((s, x) => s + (x?.kafka.matcher?.aborts ?? 0), 0);
    const unmatched = matcherStats.reduce((s, x) => s + (x?.logs.unmatched ?? 0), 0);
    const result: CaseResult = {
      matchers: n,
      steady: (target - t0.rows) / window,
      overall: LOGS / ((t1 - first) / 1000),
      window,
      matchersDoneAfter: ((matchersDone?.at ?? t1) - first) / 1000,
      writerDoneAfter: (t1 - first) / 1000,
      insertsInWindow: inserts - t0.inserts,
      rowsInWindow: target - t0.rows,
      writerThreads: [...writerThreads1]
        .map(([name, seconds]) => ({ name, seconds: seconds - (t0.writerThreads.get(name) ?? 0) }))
        .filter((t) => t.seconds >= 0.05)
        .sort((a, b) => b.seconds - a.seconds),
      restarts,
      restartReasons: [...new Set(matchers.flatMap((m) => [...m.restarts.keys()]))].map(
        (reason) => `${matchers.reduce((k, m) => k + (m.restarts.get(reason) ?? 0), 0)}x ${reason}`,
      ),
      produceRate,
      cpu,
      matcherRss: matchers.map((m) => peakRssMb(m.pid)),
      matcherChdb: matchers.map((m) => mapsChdb(m.pid)),
      writerChdb: mapsChdb(writer.pid),
      matchedOnArrival: matched + unmatched === 0 ? 0 : matched / (matched + unmatched),
      stored: { rows: 0, distinct: 0 },
      partitions,
      perCore: (LOGS - t0.records) / ((matchersDone?.matcherCpu ?? matcherCpu()) - t0.matcherCpu),
      aborts,
    };
    // Settle a moment (anything stored twice would land right behind), then count.
    await sleep(2000);
    result.stored = await countStored(writer);
    return result;
  } finally {
    await close();
  }
}

/** One change of the scaling case and what the group did until the next one. */
interface ScaleStep {
  change: string;
  /** Seconds from the change until the next one (or until the matchers had taken every log). */
  window: number;
  /** Rebalances the members took part in (each member counts its own). */
  rebalances: number;
  aborts: number;
  restarts: number;
  /**
   * Seconds in the window in which the group took no record for 1 s or more while logs were
   * waiting (shorter gaps are the time between two batches of one matcher).
   */
  paused: number;
  /** The longest such gap. */
  longestPause: number;
  /** A joining matcher: seconds from its start until it took its first record. */
  firstRecordAfter?: number;
}

interface ScaleResult {
  steps: ScaleStep[];
  /**
   * Seconds from the leaver's exit until every partition with logs waiting then had a commit
   * after it (its new owner at work); undefined if the run ended first.
   */
  handover: number | undefined;
  matchersDoneAfter: number;
  stored: { rows: number; distinct: number };
}

/** The group's counters summed over every matcher (a stopped one counts with its last figures). */
interface Sample {
  at: number;
  taken: number;
  /** Logs of the run not committed by the matchers' group yet. */
  lag: number;
  rebalances: number;
  aborts: number;
  restarts: number;
}

const SCALE_CHANGES = [
  { at: 0.15, change: 'matcher 2 joins' },
  { at: 0.4, change: 'matcher 3 joins' },
  { at: 0.65, change: 'matcher 2 leaves (SIGTERM)' },
] as const;

async function runScale(list: string[]): Promise<ScaleResult> {
  const { kafka, writer, start, target, raw, matcherGroup, partitions, close } = await pipeline(
    list,
    'scale',
  );
  /**
   * Logs of logs.raw the matchers' group has not committed yet. Kafka's own count: the matchers'
   * record counters miss what a stopping matcher took after its last /stats (its /stats closes
   * before it stops), so their sum never reached the backlog after a leave, and the writer's tail
   * was counted as a pause (61.9 s on 2026-12-07).
   */
  const committedOffsets = async () =>
    (await kafka.admin.committedOffsets(matcherGroup, raw)).map((o) => (o < 0n ? 0n : o));
  const lagOf = (committed: readonly bigint[]) =>
    partitions.reduce((n, end, p) => n + Number(end - (committed[p] ?? 0n)), 0);
  /**
   * The leave: when the leaver's process exited, and the group's offsets then. The handover is
   * over once every partition with logs waiting then has a commit of a new owner.
   */
  let left: { at: number; committed: bigint[] } | undefined;
  let handover: number | undefined;
  try {
    const matchers = [await start('matcher 1', 'matcher')];
    const last = new Map<Role, KafkaStats>();
    const samples: Sample[] = [];
    /** `sample`: where the change takes effect (a joiner: once it has read the templates and joins). */
    const changes: Array<{ change: string; sample: number | undefined; joiner?: Role; startedAt: number }> =
      [];
    const firstRecord = new Map<Role, number>();
    const stopping = new Set<Role>();
    let done: number | undefined;
    let lastProgress = Date.now();
    let lastRows = 0;
    for (;;) {
      const now = performance.now();
      await Promise.all(
        matchers.map(async (m) => {
          if (stopping.has(m)) return;
          const st = await stats(m);
          if (st !== undefined) last.set(m, st);
        }),
      );
      const m = (r: Role) => last.get(r)?.kafka.matcher;
      for (const r of matchers) if (!firstRecord.has(r) && (m(r)?.records ?? 0) > 0) firstRecord.set(r, now);
      const sum = (f: (x: NonNullable<ReturnType<typeof m>>) => number | undefined) =>
        matchers.reduce((n, r) => n + (f(m(r) ?? {}) ?? 0), 0);
      const committed = await committedOffsets();
      if (left !== undefined && handover === undefined) {
        const exit = left;
        const moved = partitions.every((end, p) => {
          const then = exit.committed[p] ?? 0n;
          return then >= end || (committed[p] ?? 0n) > then;
        });
        if (moved) handover = (now - exit.at) / 1000;
      }
      const sample = {
        at: now,
        taken: sum((x) => x.records),
        lag: lagOf(committed),
        rebalances: sum((x) => x.rebalances),
        aborts: sum((x) => x.aborts),
        restarts: sum((x) => x.restarts),
      };
      samples.push(sample);
      for (const c of changes) {
        if (c.sample === undefined && c.joiner !== undefined && m(c.joiner)?.templatesCaughtUp === true)
          c.sample = samples.length - 1;
      }
      const next = SCALE_CHANGES[changes.length];
      // One change at a time: the next waits until the last joiner has taken records.
      const settled = changes.every((c) => c.joiner === undefined || firstRecord.has(c.joiner));
      if (done === undefined && next !== undefined && settled && sample.taken >= next.at * LOGS) {
        if (next.change.includes('leaves')) {
          const leaving = matchers[1] as Role;
          stopping.add(leaving);
          void stopRole(leaving);
          void leaving.exited.then(async () => {
            left = { at: performance.now(), committed: await committedOffsets() };
          });
          changes.push({ change: next.change, sample: samples.length - 1, startedAt: now });
        } else {
          const joiner = await start(`matcher ${matchers.length + 1}`, 'matcher');
          matchers.push(joiner);
          changes.push({ change: next.change, sample: undefined, joiner, startedAt: now });
        }
      }
      if (done === undefined && sample.lag === 0) done = now;
      const rows = (await rowsInserted(writer)) || lastRows;
      if (rows >= target) break;
      if (rows > lastRows) {
        lastRows = rows;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > STALL_MS) {
        throw new Error(
          `scale: nothing stored for ${STALL_MS / 1000} s\n${await describe([writer, ...matchers])}`,
        );
      }
      for (const r of [writer, ...matchers]) {
        if (!stopping.has(r) && r.child.exitCode !== null)
          throw new Error(`${r.name} exited:\n${r.stderr()}`);
      }
      await sleep(POLL_MS);
    }
    const firstAt = firstRecord.get(matchers[0] as Role) ?? 0;
    const end = done ?? performance.now();
    const steps = changes.map((c, i): ScaleStep => {
      const from = c.sample ?? samples.length - 1;
      const to = changes[i + 1]?.sample ?? samples.length - 1;
      const window = samples.slice(from, to + 1).filter((x) => x.at <= end);
      const a = window[0] as Sample;
      const b = window.at(-1) ?? a;
      let paused = 0;
      let longestPause = 0;
      let gapFrom: number | undefined;
      for (let k = 1; k < window.length; k++) {
        const [x, y] = [window[k - 1] as Sample, window[k] as Sample];
        const stalled = y.taken === x.taken && x.lag > 0;
        if (stalled) gapFrom ??= x.at;
        if ((!stalled || k === window.length - 1) && gapFrom !== undefined) {
          const gap = ((stalled ? y.at : x.at) - gapFrom) / 1000;
          if (gap >= 1) paused += gap;
          longestPause = Math.max(longestPause, gap);
          gapFrom = undefined;
        }
      }
      const joinerFirst = c.joiner === undefined ? undefined : firstRecord.get(c.joiner);
      return {
        change: c.change,
        window: (b.at - a.at) / 1000,
        rebalances: b.rebalances - a.rebalances,
        aborts: b.aborts - a.aborts,
        restarts: b.restarts - a.restarts,
        paused,
        longestPause,
        ...(joinerFirst === undefined ? {} : { firstRecordAfter: (joinerFirst - c.startedAt) / 1000 }),
      };
    });
    await sleep(2000);
    return {
      steps,
      handover,
      matchersDoneAfter: (end - firstAt) / 1000,
      stored: await countStored(writer),
    };
  } finally {
    await close();
  }
}

/** The memory case's runs per setting (index as in --memory-settings), over the rounds. */
async function runMemory(list: string[]): Promise<MemoryRun[][]> {
  const settings = (values['memory-settings'] ?? ['']).map(parseSetting);
  const rounds = Number(values.rounds);
  const { writer, generator, start, close } = await pipeline(list, 'memory');
  const runs = settings.map((): MemoryRun[] => []);
  try {
    // Only the matcher is measured: nothing else takes CPU from it (its output stays in the topics).
    await stopRole(writer);
    await stopRole(generator);
    for (let round = 0; round < rounds; round++) {
      const order = settings.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const setting = settings[i] as MatcherSetting;
        const name = `memory matcher ${i + 1} round ${round + 1}`;
        console.error(`bench: memory: round ${round + 1} of ${rounds}: ${setting.label}`);
        const run = await measureMatcher(
          async () => {
            // A group of its own: every run reads the whole backlog from offset 0.
            const extra = { ...setting.env, KAFKA_GROUP_MATCHER: `memory-${randomUUID()}` };
            const r = await start(name, 'matcher', extra, setting.nodeFlags, setting.entry);
            return {
              pid: r.pid,
              records: async () => (await stats(r))?.kafka.matcher?.records,
              exited: () => r.child.exitCode !== null,
              stop: () => stopRole(r),
            };
          },
          // A fresh group reads the warm-up logs too: the backlog is all of logs.raw.
          WARM.length + LOGS,
          STALL_MS,
        );
        (runs[i] as MemoryRun[]).push(run);
      }
    }
    return runs;
  } finally {
    await close();
  }
}

/** Each role's /stats and the end of its stderr, for a run that failed. */
async function describe(roles: readonly Role[]): Promise<string> {
  const parts = await Promise.all(
    roles.map(async (r) => `--- ${r.name}\n${JSON.stringify(await stats(r))}\n${r.stderr().slice(-4000)}`),
  );
  return parts.join('\n');
}

async function waitStored(writer: Role, count: number, watch: readonly Role[]): Promise<void> {
  let last = 0;
  let progress = Date.now();
  for (;;) {
    const rows = await rowsInserted(writer);
    if (rows >= count) return;
    if (rows > last) {
      last = rows;
      progress = Date.now();
    } else if (Date.now() - progress > STALL_MS) {
      throw new Error(`warm-up: ${rows} of ${count} stored, no progress\n${await describe(watch)}`);
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------

const { list, brokerPid } = brokers();
const loadBefore = loadavg()[0] ?? 0;
const results: CaseResult[] = [];
for (const n of CASES) results.push(await runCase(list, brokerPid, n));
const scaled = values.scale ? await runScale(list) : undefined;
const memory = values.memory ? await runMemory(list) : undefined;

const report = new Report('kafka');
const one = results.find((r) => r.matchers === 1);
const label = (n: number) => `${n} matcher${n === 1 ? '' : 's'}`;
for (const r of results) {
  report.add({
    case: `${label(r.matchers)}: matcher records per CPU second (one core's capacity)`,
    value: r.perCore,
    peer: r.matchers === 1 || one === undefined ? null : one.perCore,
    unit: 'logs/CPU s',
    note: `records taken over the matchers' CPU s while taking them; ${r.restarts} member restarts, ${r.aborts} transactions aborted and redone${r.matchers === 1 ? '' : '; peer: 1 matcher'}`,
  });
}
for (const step of scaled?.steps ?? []) {
  report.add({
    case: `scaling, ${step.change}: rebalances`,
    value: step.rebalances,
    unit: 'member rebalances',
    note: `rounds, each member counting those it took part in (a cooperative move is a revoke and an assign round); window: from the change taking effect (a joiner: templates read, joining) to the next, ${step.window.toFixed(1)} s`,
  });
  report.add({
    case: `scaling, ${step.change}: paused`,
    value: step.paused,
    peer: step.window,
    unit: 's',
    note: `gaps of 1 s or more with no record taken by any matcher while logs waited (longest ${step.longestPause.toFixed(1)} s); peer: the window${step.firstRecordAfter === undefined ? '' : `; the joiner took its first record ${step.firstRecordAfter.toFixed(1)} s after its process started`}`,
  });
  report.add({
    case: `scaling, ${step.change}: member restarts`,
    value: step.restarts,
    unit: 'restarts',
    note: `${step.aborts} transactions aborted and read again by their member`,
  });
}
if (scaled !== undefined) {
  report.add({
    case: 'scaling, matcher 2 leaves (SIGTERM): handover',
    value: scaled.handover ?? Number.NaN,
    peer: LEAVER_SESSION_TIMEOUT_S,
    unit: 's',
    note: `from the leaver's exit until every partition with logs waiting had a commit after it (the group's committed offsets, read every ${POLL_MS} ms); peer: the session timeout, which a member gone without leaving would have held its partitions for`,
  });
}
for (const r of results) {
  report.add({
    case: `${label(r.matchers)}: logs/s into storage`,
    value: r.steady,
    peer: r.matchers === 1 || one === undefined ? null : one.steady,
    unit: 'logs/s',
    note: `${r.window.toFixed(1)} s window with every matcher consuming; first record to last row: ${Math.round(r.overall).toLocaleString('en')} logs/s${r.matchers === 1 ? '' : '; peer: 1 matcher (ratio = scaling)'}`,
  });
}
for (const r of results) {
  report.add({
    case: `${label(r.matchers)}: raw production (bench producer, before the run)`,
    value: r.produceRate,
    unit: 'logs/s',
    note: `acks=all, ${SEND_BATCH} per send, one at a time`,
  });
}
for (const r of results) {
  r.matcherRss.forEach((mb, i) =>
    report.add({
      case: `${label(r.matchers)}: matcher ${i + 1} peak RSS`,
      value: mb,
      peer: MATCHER_RSS_LIMIT_MB,
      unit: 'MB',
      note: `target < ${MATCHER_RSS_LIMIT_MB} MB (VmHWM)`,
    }),
  );
}
if (memory !== undefined) {
  const settings = (values['memory-settings'] ?? ['']).map(parseSetting);
  const median = (runs: readonly MemoryRun[], f: (r: MemoryRun) => number) => spread(runs.map(f)).median;
  const peerPerCpu = median(memory[0] ?? [], (r) => r.perCpuSecond);
  memory.forEach((runs, i) => {
    const label = `memory, ${(WARM.length + LOGS).toLocaleString('en')}-log backlog, ${settings[i]?.label ?? ''}`;
    const rss = spread(runs.map((r) => r.peakRssMb));
    report.add({
      case: `${label}: matcher peak RSS`,
      value: rss.median,
      peer: MATCHER_RSS_LIMIT_MB,
      unit: 'MB',
      note: `target < ${MATCHER_RSS_LIMIT_MB} MB; median of ${runs.length} (${rss.min.toFixed(0)}-${rss.max.toFixed(0)}), VmRSS every 250 ms; VmHWM ${median(runs, (r) => r.hwmMb).toFixed(0)}; at the peak anonymous ${median(runs, (r) => r.anonMb).toFixed(0)}, file-backed ${median(runs, (r) => r.fileMb).toFixed(0)}`,
    });
    report.add({
      case: `${label}: matcher records per CPU second`,
      value: median(runs, (r) => r.perCpuSecond),
      peer: i === 0 ? null : peerPerCpu,
      unit: 'logs/CPU s',
      note: `${i === 0 ? 'the peer of the other settings' : `peer: ${settings[0]?.label ?? ''}`}; backlog taken in ${median(runs, (r) => r.seconds).toFixed(1)} s`,
    });
  });
}
const chdbMatchers = results.flatMap((r) => r.matcherChdb).filter(Boolean).length;
const allMatchers = results.reduce((n, r) => n + r.matchers, 0);
report.add({
  case: 'matcher loads chdb (libchdb in /proc/<pid>/maps)',
  value: chdbMatchers,
  unit: `of ${allMatchers} matchers`,
  note: `${chdbMatchers === 0 ? 'no' : 'YES'}; the writer: ${results.every((r) => r.writerChdb) ? 'yes' : 'no'} (the check sees it)`,
});
for (const r of results) {
  for (const c of r.cpu) {
    report.add({
      case: `${label(r.matchers)}: CPU in the window, ${c.role}`,
      value: c.seconds,
      peer: r.window,
      unit: 'CPU s',
      note: 'peer: the window in wall s; ratio: cores busy',
    });
  }
}

console.log(
  `\nKafka mode end to end, ${LOGS.toLocaleString('en')} logs (LogHub-2k lines, fresh numbers, ${ORGS.length} orgs), ${PARTITIONS} partitions, Node ${process.version}, ${cpus().length} cores (1-min load average at start ${loadBefore.toFixed(2)})\n`,
);
report.emit(values.json);
console.log('');
for (const r of results) {
  console.log(
    `- ${label(r.matchers)}: from the first record a matcher took, the matchers had taken all ${LOGS} logs after ${r.matchersDoneAfter.toFixed(1)} s, the writer had stored them after ${r.writerDoneAfter.toFixed(1)} s; writer inserts in the window ${r.insertsInWindow} (${Math.round(r.rowsInWindow / Math.max(1, r.insertsInWindow))} rows each); matcher consumer restarts ${r.restarts}${r.restartReasons.length === 0 ? '' : ` (${r.restartReasons.join('; ')})`}; ${(r.matchedOnArrival * 100).toFixed(1)}% matched on arrival; stored rows of the run ${r.stored.rows} (${r.stored.distinct} distinct) of ${LOGS}; logs.raw per partition ${r.partitions.map((o) => String(o)).join('/')}`,
  );
}
for (const r of results) {
  console.log(
    `- ${label(r.matchers)}: writer CPU s in the window by thread: ${r.writerThreads.map((t) => `${t.name} ${t.seconds.toFixed(2)}`).join(', ')}`,
  );
}
if (scaled !== undefined) {
  console.log(
    `- scaling: the matchers had taken all ${LOGS} logs ${scaled.matchersDoneAfter.toFixed(1)} s after matcher 1's first record; stored rows of the run ${scaled.stored.rows} (${scaled.stored.distinct} distinct) of ${LOGS}`,
  );
}
const storedRuns = [...results.map((r) => r.stored), ...(scaled === undefined ? [] : [scaled.stored])];
if (storedRuns.some((st) => st.rows !== LOGS || st.distinct !== LOGS)) {
  console.error('bench: stored rows differ from logs produced');
  process.exitCode = 1;
}
