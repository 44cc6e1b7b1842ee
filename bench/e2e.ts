// Sustained logs/s that land in storage, end to end, beside the raw insert speed of the same rows
// into the same engine without the service (issue "Performance", points 2 and 5).
//
//   npm run bench:e2e -- [--seconds 30] [--connections 4] [--backoff-ms 0] [--raw-runs 2]
//                        [--data DIR] [--json FILE] [--service-cpu-prof DIR] [--keep]
//   npm run bench:e2e -- --wal-on-off [--rounds 2] [the options above]
//   npm run bench:e2e -- --settings '' --settings 'NAME=VALUE;...' [--rounds 2] [the options above]
//
// --wal-on-off: the whole benchmark once per INGEST_WAL_SYNC (off, write, fsync) per round,
// side by side (bench/e2e-wal.ts). --settings: the same for any environment of the service
// (bench/e2e-settings.ts), the first the peer of the others. --service-env NAME=VALUE (repeated):
// environment for the service only; --service-env --flag (repeated): a flag on the service's Node
// command line, after NODE_FLAGS (V8 takes many of its flags from there only, not NODE_OPTIONS).
//
// Phase A: the standalone service runs as a child process on a temp DATA_DIR (default settings
// unless CLICKHOUSE_* variables are set in this environment). It learns the LogHub-2k lines (once
// as they are, once varied), then --connections clients post batches of 1,000 logs for --seconds,
// each client sending its next batch as soon as it has an answer (after --backoff-ms when the
// answer was 503). 503s (write buffer full) are expected: storage is the limit. The messages are
// the LogHub-2k lines with the digits inside their ground-truth variables replaced by fresh ones.
// Then the service gets SIGTERM, drains and exits, and this process opens the same DATA_DIR with
// src/store and counts the rows: stored must equal accepted (exit 1 if not). Logs/s = rows stored
// by the load / load window (first request to last accepted response).
// Phase B (a child: `--raw-phase`, --raw-runs times, each into a fresh DATA_DIR): the same rows
// (the same bodies, validated and matched against the templates the service learned, as the
// service builds them) are inserted one insert at a time, in batches of the size the service's
// writer takes under load (20,000), by the two fastest ways in of npm run bench:store, taking
// turns run by run: store.insertBatch (JSONCompactEachRow, the bytes handed to the engine as they
// are, what the service sends) and RowBinary encoded into a reused Buffer and read from a file.
// The fastest run is the engine's own limit on this machine, the peer of the service.
// Beside the wall clock, CPU seconds per million rows of the service (all its threads) and of the
// raw process: a measure that other load on a shared machine disturbs less.
// Memory under overload (point 6): every 5 s of the load, the service's VmRSS beside the 503s and
// the accepted logs so far, printed as a second table, and the RSS growth over the last half of
// the load as a report row (run with --seconds 60 to see whether it levels off).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { NODE_FLAGS } from '../src/cli/node-flags.ts';
import { loadConfig } from '../src/config.ts';
import { logsFromJson, parseJsonBody } from '../src/ingest/stage.ts';
import { validateLog } from '../src/ingest/validate.ts';
import { MatcherSnapshot } from '../src/match/index.ts';
import { toStoredLog } from '../src/match/stage.ts';
import type { StoredLog } from '../src/model/log.ts';
import type { Template } from '../src/model/template.ts';
import { newRowIds } from '../src/model/row-id.ts';
import { LOG_COLUMNS } from '../src/store/format.ts';
import { startStore, type Store } from '../src/store/stage.ts';
import { DATASETS, readDataset } from './loghub.ts';
import { cpuSeconds } from './proc.ts';
import { RowBinaryEncoder } from './row-binary.ts';
import { Report } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '4' },
    'backoff-ms': { type: 'string', default: '0' },
    variants: { type: 'string', default: '4' },
    json: { type: 'string' },
    'service-cpu-prof': { type: 'string' },
    /** Keeps the temp directory (both stores, the bodies, the templates) and prints its path. */
    keep: { type: 'boolean', default: false },
    // Phase B, run as a child of phase A.
    'wal-on-off': { type: 'boolean', default: false },
    settings: { type: 'string', multiple: true },
    'service-env': { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '2' },
    'raw-phase': { type: 'boolean', default: false },
    'raw-rows': { type: 'string' },
    'raw-batch': { type: 'string', default: '20000' },
    'raw-format': { type: 'string', default: 'JSONCompactEachRow' },
    'raw-runs': { type: 'string', default: '2' },
    'pool-file': { type: 'string' },
    'templates-file': { type: 'string' },
    'result-file': { type: 'string' },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;

const ROOT = path.resolve(import.meta.dirname, '..');
/**
 * A port no one listens on now: other benchmarks on a shared machine take fixed ports (3193), and
 * a load posted to another run's service is counted in neither run's stored == accepted.
 */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const PORT = await freePort();
const BATCH = 1000;
const ORG = 'bench';
const quiet = pino({ level: 'warn' });

/** The ways phase B inserts, taking turns run by run. */
const RAW_FORMATS = ['JSONCompactEachRow', 'RowBinary'] as const;

interface RawResult {
  format: (typeof RAW_FORMATS)[number];
  rows: number;
  batches: number;
  seconds: number;
  rowsPerSec: number;
  /** CPU seconds of the whole process (all threads) during the timed inserts. */
  cpuSecs: number;
  stored: number;
  unmatched: number;
}

// ---------------------------------------------------------------------------------------------
// Messages: LogHub-2k lines with the numbers inside their ground-truth variables replaced by
// fresh ones of the same length (literal text, and so the template, stays as it was).

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The literal parts of a ground-truth template and a regex capturing its variables. */
function templateParts(template: string): { literals: string[]; regex: RegExp } | undefined {
  const literals = template.split('<*>');
  if (literals.length === 1) return undefined;
  const escaped = literals.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return { literals, regex: new RegExp(`^${escaped.join('(.*?)')}$`, 's') };
}

function varyDigits(value: string, random: () => number): string {
  return value.replace(/\d+/g, (run) => {
    let out = '';
    for (let i = 0; i < run.length; i++) {
      // A leading non-zero digit stays non-zero, so `07` stays zero-padded and `42` stays two digits.
      const keepNonZero = i === 0 && run.length > 1 && run[0] !== '0';
      out += String(keepNonZero ? 1 + Math.floor(random() * 9) : Math.floor(random() * 10));
    }
    return out;
  });
}

interface Line {
  dataset: string;
  content: string;
  template: { literals: string[]; regex: RegExp } | undefined;
}

function readLines(): Line[] {
  const lines: Line[] = [];
  for (const dataset of DATASETS) {
    const cache = new Map<string, Line['template']>();
    for (const { content, template } of readDataset(dataset)) {
      if (content.trim() === '') continue;
      if (!cache.has(template)) cache.set(template, templateParts(template));
      lines.push({ dataset, content, template: cache.get(template) });
    }
  }
  return lines;
}

/** The line with fresh digits in its variables; as it was when it does not fit its template. */
function vary(line: Line, random: () => number): string {
  const m = line.template?.regex.exec(line.content);
  if (line.template === undefined || m === null || m === undefined) return line.content;
  const { literals } = line.template;
  let out = literals[0] ?? '';
  for (let i = 1; i < literals.length; i++) out += varyDigits(m[i] ?? '', random) + (literals[i] ?? '');
  return out;
}

/** A log as posted, but for its dashboard, which tells warm-up rows from load rows in storage. */
interface Log {
  org: string;
  service: string;
  host: string;
  level: string;
  message: string;
}

/** `variants` passes over every line, each with fresh variable values. */
function makeLogs(lines: Line[], variants: number): Log[] {
  const random = mulberry32(42);
  const logs: Log[] = [];
  for (let v = 0; v < variants; v++) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      logs.push({
        org: ORG,
        service: line.dataset,
        host: `host-${(i + v) % 16}`,
        level: 'info',
        message: vary(line, random),
      });
    }
  }
  return logs;
}

function bodies(logs: readonly Log[], dashboard: string): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < logs.length; i += BATCH) {
    const chunk = logs.slice(i, i + BATCH).map((log) => ({ ...log, dashboard }));
    out.push(Buffer.from(JSON.stringify({ logs: chunk })));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTTP

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method: 'POST',
        path: '/logs/ingest',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function getJson<T>(pathname: string): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${PORT}${pathname}`)).json()) as T;
}

interface Stats {
  logs: { accepted: number; matched: number; unmatched: number };
  rejected_overloaded: number;
  buffer: { rows: number; in_flight_rows: number };
  queues: { unmatched: number };
  storage: { flushes: number; rows_written: number; write_errors: number };
  templates_loaded: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUp(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/health`)).ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error('the service did not come up');
}

/** Posts every body once, waiting out 503s; returns the logs accepted. */
async function postAll(list: Buffer[]): Promise<number> {
  let accepted = 0;
  for (const body of list) {
    for (;;) {
      const res = await post(body);
      if (res.status === 200) {
        accepted += (JSON.parse(res.text) as { accepted: number }).accepted;
        break;
      }
      if (res.status !== 503) throw new Error(`warm-up: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      await sleep(100);
    }
  }
  return accepted;
}

/** Until the unmatched queue is empty and the write buffer is written. */
async function settle(): Promise<Stats> {
  for (;;) {
    const s = await getJson<Stats>('/stats');
    if (s.queues.unmatched === 0 && s.buffer.rows === 0 && s.buffer.in_flight_rows === 0) return s;
    await sleep(200);
  }
}

interface Load {
  accepted: number;
  ok: number;
  rejected: number;
  otherErrors: number;
  windowSecs: number;
}

/** Fills `load` as answers come (so a timer can read it during the load) and returns it. */
async function drive(
  load: Load,
  list: Buffer[],
  seconds: number,
  connections: number,
  backoffMs: number,
): Promise<Load> {
  const start = performance.now();
  const end = start + seconds * 1000;
  let lastAccepted = start;
  let next = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const body = list[next++ % list.length]!;
      const res = await post(body);
      if (res.status === 200) {
        load.accepted += (JSON.parse(res.text) as { accepted: number }).accepted;
        load.ok++;
        lastAccepted = performance.now();
      } else if (res.status === 503) {
        load.rejected++;
        if (backoffMs > 0) await sleep(backoffMs);
      } else {
        load.otherErrors++;
        if (load.otherErrors <= 3) console.error(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  load.windowSecs = (lastAccepted - start) / 1000;
  return load;
}

// ---------------------------------------------------------------------------------------------
// The service as the kernel sees it, polled every 200 ms: VmHWM is the peak resident set of the
// process; utime + stime in /proc/<pid>/stat are the CPU seconds of all its threads (the engine's
// insert and merge threads included).

function processSampler(pid: number) {
  let hwmKb = 0;
  let rssKb = 0;
  /** RssAnon and RssFile (the engine's library code, mapped from disk) when VmRSS was highest. */
  let atPeak = { anonKb: 0, fileKb: 0 };
  let cpuSecs = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      hwmKb = Math.max(hwmKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      if (rss > rssKb) {
        rssKb = rss;
        atPeak = {
          anonKb: Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0),
          fileKb: Number(/RssFile:\s+(\d+)/.exec(status)?.[1] ?? 0),
        };
      }
      cpuSecs = cpuSeconds(pid);
    } catch {
      // exited
    }
  };
  const timer = setInterval(read, 200);
  return {
    read,
    stop: () => clearInterval(timer),
    peakMb: () => Math.max(hwmKb, rssKb) / 1024,
    cpuSecs: () => cpuSecs,
    atPeakMb: () => ({ anon: atPeak.anonKb / 1024, file: atPeak.fileKb / 1024 }),
  };
}

/** The service's resident set now (VmRSS), in MB; 0 once it has exited. */
function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

interface OverTime {
  secs: number;
  rssMb: number;
  rejected: number;
  accepted: number;
}

/**
 * Memory under overload (issue "Performance", point 6): every `everySecs` during the load, the
 * service's VmRSS beside the 503s and the accepted logs so far; one row at the start and one at
 * the end of the load.
 */
function overTimeSampler(pid: number, load: Load, everySecs: number) {
  const rows: OverTime[] = [];
  const start = performance.now();
  const take = () =>
    rows.push({
      secs: (performance.now() - start) / 1000,
      rssMb: rssMb(pid),
      rejected: load.rejected,
      accepted: load.accepted,
    });
  take();
  const timer = setInterval(take, everySecs * 1000);
  return {
    rows,
    /** Stops the timer and takes the end-of-load row. */
    stop: () => {
      clearInterval(timer);
      // The timer's last row, when it fired within a second of the end, gives way to the end row.
      const last = rows[rows.length - 1];
      if (last !== undefined && rows.length > 1 && (performance.now() - start) / 1000 - last.secs < 1)
        rows.pop();
      take();
    },
  };
}

/** The writer's time in encode + insert so far (its flush-duration histogram), in seconds. */
async function writerSeconds(): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${PORT}/metrics`)).text();
  const metric = (name: string) =>
    Number(
      new RegExp(`^log_ingest_clickhouse_flush_duration_seconds_${name}\\{result="ok"\\} (\\S+)$`, 'm').exec(
        text,
      )?.[1] ?? 0,
    );
  return { sum: metric('sum'), count: metric('count') };
}

/** The service's own view of its memory (prom-client's default metrics), once a second. */
function heapPoller() {
  let heapMb = 0;
  let externalMb = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    fetch(`http://127.0.0.1:${PORT}/metrics`)
      .then((res) => res.text())
      .then((text) => {
        const metric = (name: string) =>
          Number(new RegExp(`^log_ingest_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20;
        heapMb = Math.max(heapMb, metric('nodejs_heap_size_total_bytes'));
        externalMb = Math.max(externalMb, metric('nodejs_external_memory_bytes'));
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 1000);
  return { stop: () => clearInterval(timer), heapMb: () => heapMb, externalMb: () => externalMb };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function openStore(dataDir: string): Promise<Store> {
  return startStore(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }).clickhouse, { logger: quiet });
}

async function count(store: Store, where = '1'): Promise<number> {
  const result = await store.client.query({
    query: `SELECT count() AS n FROM ${store.database}.logs WHERE ${where}`,
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ n: string | number }>();
  return Number(rows[0]?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const backoffMs = Number(values['backoff-ms']);
  if (!(seconds > 0) || !(connections > 0)) throw new Error('--seconds and --connections must be positive');

  const lines = readLines();
  const original = bodies(
    lines.map((l) => ({ org: ORG, service: l.dataset, host: 'host-0', level: 'info', message: l.content })),
    'warmup',
  );
  const logs = makeLogs(lines, Number(values.variants));
  const warmBodies = bodies(logs, 'warmup');
  const loadBodies = bodies(logs, 'load');

  const work = await mkdtemp(path.join(tmpdir(), 'log-ingest-e2e-'));
  const dataDir = path.join(work, 'service');
  const poolFile = path.join(work, 'pool.json');
  const templatesFile = path.join(work, 'templates.json');
  const resultFile = path.join(work, 'raw-result.json');
  const report = new Report('bench:e2e');
  let failed = false;

  const profArgs =
    values['service-cpu-prof'] === undefined
      ? []
      : ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['service-cpu-prof'])];
  const serviceEnv = values['service-env'].filter((pair) => !pair.startsWith('--'));
  const serviceFlags = values['service-env'].filter((pair) => pair.startsWith('--'));
  const service = spawn(
    process.execPath,
    [...NODE_FLAGS, ...serviceFlags, ...profArgs, 'src/cli/service.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        INGEST_PORT: String(PORT),
        INGEST_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        // The load is one org: the per-org rate limit would cap the pipeline being measured.
        INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
        ...Object.fromEntries(
          serviceEnv.map((pair) => [pair.split('=')[0]!, pair.slice(pair.indexOf('=') + 1)]),
        ),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const sampler = processSampler(service.pid!);
  try {
    // ---- Phase A: the service.
    await waitUp();
    const settings = [
      ...Object.entries(process.env)
        .filter(([k]) => k.startsWith('CLICKHOUSE_'))
        .map(([k, v]) => `${k}=${v}`),
      ...values['service-env'],
    ];
    console.error(
      `phase A: service on ${dataDir} (${settings.length === 0 ? 'default settings' : settings.join(' ')}); ` +
        `warm-up: ${original.length} bodies of LogHub lines, then ${warmBodies.length} varied`,
    );
    let warmAccepted = await postAll(original);
    await settle();
    warmAccepted += await postAll(warmBodies);
    const before = await settle();
    sampler.read();
    const warmPeakMb = sampler.peakMb();
    const cpuAtStart = sampler.cpuSecs();
    const loaderCpuAtStart = process.cpuUsage();
    console.error(
      `phase A: ${before.templates_loaded} templates learned; load: ${connections} connections, ` +
        `${seconds} s, batches of ${BATCH}, backoff after 503: ${backoffMs} ms`,
    );

    const writerBefore = await writerSeconds();
    const heap = heapPoller();
    const load: Load = { accepted: 0, ok: 0, rejected: 0, otherErrors: 0, windowSecs: 0 };
    const overTime = overTimeSampler(service.pid!, load, 5);
    await drive(load, loadBodies, seconds, connections, backoffMs);
    overTime.stop();
    heap.stop();
    const loaderCpu = process.cpuUsage(loaderCpuAtStart);
    sampler.read();
    const loadPeakMb = sampler.peakMb();
    const after = await getJson<Stats>('/stats');
    const writerAfter = await writerSeconds();
    const backlog = after.buffer.rows + after.buffer.in_flight_rows + after.queues.unmatched;
    const drainStart = performance.now();
    service.kill('SIGTERM');
    const code = await exited(service);
    const drainSecs = (performance.now() - drainStart) / 1000;
    sampler.stop();
    // From the first request to exit (the drain included), to within one 200 ms poll.
    const serviceCpu = sampler.cpuSecs() - cpuAtStart;
    if (code !== 0) {
      failed = true;
      console.error(`the service exited with ${code} after SIGTERM`);
    }

    const store = await openStore(dataDir);
    let storedLoad: number;
    let storedAll: number;
    let withoutTemplate: number;
    try {
      storedAll = await count(store);
      storedLoad = await count(store, `dashboard = 'load'`);
      withoutTemplate = await count(store, `dashboard = 'load' AND template_id = 0`);
      writeFileSync(templatesFile, JSON.stringify(await store.loadTemplates()));
    } finally {
      await store.stop();
    }
    const totalAccepted = warmAccepted + load.accepted;
    console.error(
      `phase A: accepted ${load.accepted} (load) + ${warmAccepted} (warm-up); stored ${storedLoad} (load) ` +
        `+ ${storedAll - storedLoad} (warm-up): ${storedLoad === load.accepted && storedAll === totalAccepted ? 'stored == accepted' : 'MISMATCH'}`,
    );
    if (storedLoad !== load.accepted || storedAll !== totalAccepted) failed = true;

    // ---- Phase B: the same rows straight into a fresh store, in a child process, --raw-runs
    // times (each into its own fresh DATA_DIR): the best run is the engine's limit, since other
    // load on a shared machine only ever slows a run down.
    writeFileSync(poolFile, JSON.stringify(loadBodies.map((b) => b.toString())));
    const rawRuns: RawResult[] = [];
    for (let run = 1; run <= Math.max(1, Number(values['raw-runs'])); run++) {
      const rawDir = path.join(work, `raw-${run}`);
      const format = RAW_FORMATS[(run - 1) % RAW_FORMATS.length]!;
      console.error(`phase B: raw insert of ${storedLoad} rows into ${rawDir} (${format})`);
      const raw = spawn(
        process.execPath,
        [
          path.join(ROOT, 'bench/e2e.ts'),
          '--raw-phase',
          '--raw-rows',
          String(storedLoad),
          '--raw-batch',
          values['raw-batch'],
          '--raw-format',
          format,
          '--pool-file',
          poolFile,
          '--templates-file',
          templatesFile,
          '--result-file',
          resultFile,
        ],
        { cwd: ROOT, env: { ...process.env, DATA_DIR: rawDir }, stdio: ['ignore', 'inherit', 'inherit'] },
      );
      const rawCode = await exited(raw);
      if (rawCode !== 0) throw new Error(`the raw insert phase exited with ${rawCode}`);
      rawRuns.push(JSON.parse(readFileSync(resultFile, 'utf8')) as RawResult);
      if (!values.keep) await rm(rawDir, { recursive: true, force: true });
    }
    const rawResult = rawRuns.reduce((best, r) => (r.rowsPerSec > best.rowsPerSec ? r : best));

    // ---- Report.
    const e2e = storedLoad / load.windowSecs;
    const flushes = after.storage.flushes - before.storage.flushes;
    const written = after.storage.rows_written - before.storage.rows_written;
    const matched = after.logs.matched - before.logs.matched;
    const fmt = (n: number) => Math.round(n).toLocaleString('en');
    console.log(
      `\nEnd to end into storage: ${connections} connections, batches of ${BATCH}, ${seconds} s of load, ` +
        `${loadBodies.length * BATCH} distinct messages (LogHub-2k, varied), Node ${process.version}\n`,
    );
    report.add({
      case: 'log-ingest end to end (HTTP → storage)',
      value: e2e,
      peer: rawResult.rowsPerSec,
      unit: 'logs/s',
      note: `rows stored by the load / load window (first request → last 200: ${load.windowSecs.toFixed(1)} s); peer: the fastest raw insert; target ≥ 0.8x`,
    });
    report.add({
      case: 'raw insert of the same rows, the fastest way in',
      value: rawResult.rowsPerSec,
      unit: 'rows/s',
      note: `${rawResult.format}: ${fmt(rawResult.rows)} rows in ${rawResult.batches} inserts of ≤ ${fmt(Number(values['raw-batch']))}, one at a time, ${rawResult.seconds.toFixed(1)} s; best of ${rawRuns.length} runs: ${rawRuns.map((r) => `${fmt(r.rowsPerSec)} (${r.format})`).join(', ')}`,
    });
    report.add({
      case: 'end to end counting the final drain',
      value: storedLoad / (load.windowSecs + drainSecs),
      peer: rawResult.rowsPerSec,
      unit: 'logs/s',
      note: `stored / (load window + ${drainSecs.toFixed(1)} s from SIGTERM to exit; ${fmt(backlog)} rows were waiting at the end)`,
    });
    report.add({ case: 'logs accepted (sum of `accepted` in 200s)', value: load.accepted, unit: 'logs' });
    report.add({
      case: 'rows stored (counted after the service exited)',
      value: storedLoad,
      unit: 'rows',
      note: storedLoad === load.accepted ? 'stored == accepted' : 'MISMATCH with accepted',
    });
    report.add({
      case: '503 responses (write buffer full)',
      value: load.rejected,
      unit: 'requests',
      note: `beside ${fmt(load.ok)} accepted requests${load.otherErrors > 0 ? `; ${load.otherErrors} other errors` : ''}`,
    });
    report.add({
      case: 'matched on arrival during the load',
      value: load.accepted === 0 ? 0 : (matched / load.accepted) * 100,
      unit: '%',
      note: `${fmt(withoutTemplate)} stored without a template`,
    });
    report.add({
      case: 'service inserts during the load',
      value: flushes === 0 ? 0 : written / flushes,
      unit: 'rows/insert',
      note: `${flushes} inserts`,
    });
    const writerBusy = writerAfter.sum - writerBefore.sum;
    const writerInserts = writerAfter.count - writerBefore.count;
    report.add({
      case: 'service writer busy (encode + insert) in the load window',
      value: (writerBusy / load.windowSecs) * 100,
      unit: '%',
      note: `${writerInserts} inserts, ${((writerBusy / Math.max(1, writerInserts)) * 1000).toFixed(0)} ms each on average; raw: ${((rawResult.seconds / rawResult.batches) * 1000).toFixed(0)} ms each, back to back`,
    });
    const perMillion = (cpuSecs: number, rows: number) => (cpuSecs / rows) * 1e6;
    const serviceCost = perMillion(serviceCpu, storedLoad);
    const rawCost = Math.min(...rawRuns.map((r) => perMillion(r.cpuSecs, r.rows)));
    report.add({
      case: 'CPU per million logs stored: service, all threads (cost, lower is better)',
      value: serviceCost,
      peer: rawCost,
      unit: 'CPU s',
      note: `${serviceCpu.toFixed(1)} CPU s from the first request to exit; peer: the raw insert process (lowest of its runs); a clock that other load on the machine moves less`,
    });
    report.add({
      case: 'CPU of the load generator (this process) during the load',
      value: (loaderCpu.user + loaderCpu.system) / 1e6 / load.windowSecs,
      unit: 'cores',
      note: 'on the same two cores',
    });
    report.add({
      case: 'service peak RSS (VmHWM)',
      value: sampler.peakMb(),
      peer: 600,
      unit: 'MB',
      note: `limit: under 600 MB; peak by the end of warm-up ${fmt(warmPeakMb)} MB, of the load ${fmt(loadPeakMb)} MB; at the highest VmRSS polled: ${fmt(sampler.atPeakMb().anon)} MB anonymous, ${fmt(sampler.atPeakMb().file)} MB file-backed (mostly libchdb.so code)`,
    });
    report.add({
      case: 'service peak RSS by the end of the warm-up',
      value: warmPeakMb,
      peer: 600,
      unit: 'MB',
      note: 'learning the templates, before the load: part of the peak above',
    });
    // RSS at the end of the load minus RSS at the sample nearest its half: near 0 when memory
    // has levelled off under overload.
    const samples = overTime.rows;
    const endSample = samples[samples.length - 1]!;
    const half = endSample.secs / 2;
    const halfSample = samples.reduce((best, r) =>
      Math.abs(r.secs - half) < Math.abs(best.secs - half) ? r : best,
    );
    report.add({
      case: 'RSS growth over the last half of the load',
      value: endSample.rssMb - halfSample.rssMb,
      unit: 'MB',
      note: `VmRSS ${fmt(halfSample.rssMb)} MB at ${halfSample.secs.toFixed(0)} s, ${fmt(endSample.rssMb)} MB at ${endSample.secs.toFixed(0)} s (end of load); ${fmt(endSample.rejected)} 503s by then`,
    });
    report.add({
      case: 'service JS heap, largest during the load',
      value: heap.heapMb(),
      unit: 'MB',
      note: `V8 heap size (not used); Buffers and strings outside it: up to ${fmt(heap.externalMb())} MB; the rest of the peak is the engine and code`,
    });
    report.emit(values.json);
    console.log(
      `\nOver the load (every 5 s): the service's VmRSS and the answers so far\n\n` +
        `| time s | RSS MB | 503s so far | accepted so far |\n| --- | --- | --- | --- |\n` +
        samples
          .map((r) => `| ${r.secs.toFixed(0)} | ${fmt(r.rssMb)} | ${fmt(r.rejected)} | ${fmt(r.accepted)} |`)
          .join('\n'),
    );
  } finally {
    if (service.exitCode === null) {
      service.kill('SIGTERM');
      await exited(service);
    }
    sampler.stop();
    agent.destroy();
    if (values.keep) console.error(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
}

// ---------------------------------------------------------------------------------------------

async function rawPhase(): Promise<void> {
  const rows = Number(values['raw-rows']);
  const batchSize = Number(values['raw-batch']);
  const templates = JSON.parse(readFileSync(values['templates-file']!, 'utf8')) as Template[];
  const pool = JSON.parse(readFileSync(values['pool-file']!, 'utf8')) as string[];
  const snapshot = MatcherSnapshot.empty().withChanges(templates);

  // The rows as the service builds them: validated, matched, one StoredLog each.
  const stored: StoredLog[] = [];
  let unmatched = 0;
  const now = Date.now();
  for (const body of pool) {
    const { items } = logsFromJson(parseJsonBody(body));
    for (let i = 0; i < items.length; i++) {
      const result = validateLog(items[i], i, now);
      if (!result.ok) throw new Error(`invalid log: ${result.problem.message}`);
      const match = snapshot.match(result.log.org, result.log.message);
      if (match === undefined) unmatched++;
      // The peer stores what the matcher alone can place; the reason of the rest is only a value.
      stored.push(toStoredLog(result.log, match ?? 'no_template_fit'));
    }
  }

  const format = values['raw-format'] as RawResult['format'];
  const store = await openStore(process.env['DATA_DIR']!);
  const rowBinary = new RowBinaryEncoder();
  const infile = path.join(process.env['DATA_DIR']!, 'insert.bin');
  const insert = async (batch: StoredLog[]): Promise<void> => {
    if (format === 'JSONCompactEachRow') return store.insertBatch(batch, randomUUID());
    // Ids drawn per insert, as encodeLogs draws them for the rows that come without one.
    const ids = newRowIds(batch.length);
    writeFileSync(infile, rowBinary.encode(batch.map((row, i) => ({ ...row, id: ids[i]! }))));
    await store.client.command({
      query: `INSERT INTO ${store.database}.logs (${LOG_COLUMNS.join(', ')}) FROM INFILE '${infile}' SETTINGS insert_deduplication_token = '${randomUUID()}' FORMAT RowBinary`,
    });
  };
  try {
    const take = (from: number, n: number): StoredLog[] => {
      const batch = new Array<StoredLog>(n);
      for (let i = 0; i < n; i++) batch[i] = stored[(from + i) % stored.length]!;
      return batch;
    };
    // One untimed insert first, as the service's warm-up wrote before its load.
    await insert(take(0, batchSize));
    let done = 0;
    let batches = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    while (done < rows) {
      const n = Math.min(batchSize, rows - done);
      await insert(take(done, n));
      done += n;
      batches++;
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const total = await count(store);
    const result: RawResult = {
      format,
      rows: done,
      batches,
      seconds: secs,
      rowsPerSec: done / secs,
      cpuSecs: (cpu.user + cpu.system) / 1e6,
      stored: total - batchSize,
      unmatched,
    };
    if (result.stored !== rows) throw new Error(`raw phase: ${result.stored} rows stored of ${rows}`);
    writeFileSync(values['result-file']!, JSON.stringify(result));
  } finally {
    await store.stop();
  }
}

/** Every option but the comparison's own (`own`: those that take a value), for each run. */
function passOn(own: readonly string[], flags: readonly string[]): string[] {
  const passed = process.argv.slice(2);
  const args: string[] = [];
  for (let i = 0; i < passed.length; i++) {
    if (flags.includes(passed[i]!)) continue;
    // `--settings=--flag`: the form a value starting with a dash must take.
    if (own.some((name) => passed[i]!.startsWith(`${name}=`))) continue;
    if (own.includes(passed[i]!)) {
      i++;
      continue;
    }
    args.push(passed[i]!);
  }
  return args;
}

if (values['raw-phase']) await rawPhase();
else if (values.settings !== undefined) {
  const { e2eSettings } = await import('./e2e-settings.ts');
  await e2eSettings(
    passOn(['--settings', '--rounds', '--json'], []),
    values.settings,
    Number(values.rounds),
    values.json,
  );
} else if (values['wal-on-off']) {
  const { e2eWalOnOff } = await import('./e2e-wal.ts');
  await e2eWalOnOff(passOn(['--rounds', '--json'], ['--wal-on-off']), Number(values.rounds), values.json);
} else await main();
