// The pattern reads at scale (issue 17, point 10): with --logs stored logs (10 million) across
// --templates templates (1,000) of one org over --days days (3), the template list with a series
// for a day and the compare of two days, through the real HTTP service as a user calls them
// (the explorer page's default: the last 24 hours to the millisecond, a step of 30 minutes, a
// page of 1,000 templates),
// p50/p95 over --runs runs beside the 500 ms limit and beside the same read made by scanning the
// logs table (the query before the aggregates, called in this process without HTTP, which only
// favours it). Each read is made twice: over the last 24 hours (bounds to the millisecond, as
// "now" gives them) and over whole UTC days. Old and new take turns, run by run.
//
//   npm run bench:read -- [--logs 10000000] [--templates 1000] [--days 3] [--runs 30] [--json FILE]
//
// The logs are made inside the engine (INSERT ... SELECT from numbers()), so the materialized
// views fill as they do on any insert: template volumes skewed as in real systems (Zipf, the
// n-th loudest template logs 1/n as often as the loudest), one service per template, 3 hosts per
// service, one level per template (1 in 10 ERROR, 1 in 10 WARN). Before the timed runs, both
// answers of every read are checked to be the same, and the counts of the day to add up to the
// logs stored in it.
//
// What the aggregates cost on the way in: inserts of 10,000 rows (the shape bench:store uses: 3
// orgs, 7 services, 50 hosts, 40 templates) into logs with the views and projection of migration
// 007, and into a copy of the schema without them, in the same engine, taking turns (--inserts).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startStandalone, type RunningService } from '../src/roles/standalone.ts';
import type { StoredLog } from '../src/model/log.ts';
import { insertEncoded } from '../src/store/client.ts';
import { encodeLogs, LOG_COLUMNS, LOG_FORMAT } from '../src/store/format.ts';
import { VOLUME_GRAINS } from '../src/store/migrations/007_template_volume.ts';
import { startStore } from '../src/store/stage.ts';
import { compareWindows } from '../src/store/template-compare.ts';
import { templateVolume, type TemplateVolume } from '../src/store/template-volume.ts';
import { Report } from './report.ts';

const { values } = parseArgs({
  options: {
    logs: { type: 'string', default: '10000000' },
    templates: { type: 'string', default: '1000' },
    days: { type: 'string', default: '3' },
    runs: { type: 'string', default: '30' },
    inserts: { type: 'string', default: '20' },
    json: { type: 'string' },
  },
});
const LOGS = Number(values.logs);
const TEMPLATES = Number(values.templates);
const DAYS = Number(values.days);
const RUNS = Number(values.runs);
const INSERTS = Number(values.inserts);
if (![LOGS, TEMPLATES, DAYS, RUNS, INSERTS].every((n) => Number.isSafeInteger(n) && n > 0) || DAYS < 3) {
  throw new Error('--logs, --templates and --runs are positive integers, --days at least 3');
}

const ORG = 'bench';
const LIMIT_MS = 500;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RETENTION_DAYS = 30;
const FIRST_ID = 1_000_000;

async function fill(service: RunningService, end: number): Promise<number> {
  const { client, database: db } = service.store;
  const params = { org: ORG, n: LOGS, templates: TEMPLATES, start: end - DAYS * DAY, span: DAYS * DAY };
  await client.command({
    query: `INSERT INTO ${db}.templates (org, template_id, template, source, shapes, created_at, updated_at)
SELECT {org:String}, ${FIRST_ID} + number, concat('event ', toString(number), ' request <*> took <*> ms'),
  'builtin', '', now64(3), now64(3)
FROM numbers({templates:UInt32})`,
    query_params: params,
  });
  const began = performance.now();
  // rank: 0 the loudest; its density falls as 1/(rank+1) (u uniform in [0, 1)).
  await client.command({
    query: `INSERT INTO ${db}.logs (timestamp, org, dashboard, service, host, level, message, template_id, variables, metadata, id)
WITH
  cityHash64(number) / 18446744073709551616 AS u,
  least(toUInt64(floor(exp(u * log({templates:UInt32} + 1)))) - 1, {templates:UInt32} - 1) AS rank,
  toString(cityHash64(number, 2) % 100000) AS request,
  toString(cityHash64(number, 3) % 1000) AS took
SELECT
  fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(number * {span:UInt64}, {n:UInt64})), 'UTC'),
  {org:String}, 'main', concat('svc-', toString(rank % 20)),
  concat('svc-', toString(rank % 20), '-', toString(cityHash64(number, 1) % 3)),
  multiIf(rank % 10 = 0, 'ERROR', rank % 10 = 1, 'WARN', 'INFO'),
  concat('event ', toString(rank), ' request ', request, ' took ', took, ' ms'),
  ${FIRST_ID} + rank, [request, took], map(), cityHash64(number, 4)
FROM numbers({n:UInt64})`,
    query_params: params,
  });
  return (performance.now() - began) / 1000;
}

function insertRows(n: number, round: number): StoredLog[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const k = round * n + i;
    return {
      timestamp: now - k,
      org: `org-${k % 3}`,
      dashboard: 'main',
      service: `svc-${k % 7}`,
      host: `host-${k % 50}.example.com`,
      level: k % 10 === 0 ? 'ERROR' : 'INFO',
      message: `Connection timeout after ${k % 97}s to 10.0.${k % 255}.${k % 13}:5432`,
      metadata: { region: 'eu-west-1', request_id: `req-${k}` },
      templateId: 1000 + (k % 40),
      variables: [String(k % 97), `10.0.${k % 255}.${k % 13}:5432`],
      untemplatedReason: '',
    };
  });
}

/** Median ms of an insert of 10,000 rows with the views and projection, and without. */
async function insertCost(dataDir: string): Promise<{ with: number; without: number }> {
  const config = {
    url: undefined,
    user: 'default',
    password: '',
    dataDir,
    bufferSize: 1000,
    flushIntervalSecs: 3600,
    bufferMaxRows: 10_000,
    retentionDays: RETENTION_DAYS,
    retryInitialBackoffMs: 100,
    retryMaxBackoffMs: 1000,
    discardLogs: false,
    // The engine's settings as the service starts it.
    embedded: loadConfig({}).clickhouse.embedded,
  };
  const logger = createLogger('silent');
  const withViews = await startStore({ ...config, database: 'with_views' }, { logger });
  const without = await startStore({ ...config, database: 'without_views' }, { logger });
  try {
    for (const { table } of VOLUME_GRAINS) {
      await without.client.command({ query: `DROP VIEW without_views.${table}_mv` });
      await without.client.command({ query: `DROP TABLE without_views.${table}` });
    }
    await without.client.command({ query: 'ALTER TABLE without_views.logs DROP PROJECTION by_time' });
    const ms: Record<'with_views' | 'without_views', number[]> = { with_views: [], without_views: [] };
    for (let round = -1; round < INSERTS; round++) {
      const body = encodeLogs(insertRows(10_000, round + 1), LOG_FORMAT);
      const order =
        round % 2 === 0
          ? (['with_views', 'without_views'] as const)
          : (['without_views', 'with_views'] as const);
      for (const db of order) {
        const store = db === 'with_views' ? withViews : without;
        const began = performance.now();
        await insertEncoded(store.client, `${db}.logs (${LOG_COLUMNS.join(', ')})`, LOG_FORMAT, body, '');
        if (round >= 0) ms[db].push(performance.now() - began);
      }
    }
    const median = (list: number[]) =>
      percentile(
        list.sort((a, b) => a - b),
        0.5,
      );
    return { with: median(ms.with_views), without: median(ms.without_views) };
  } finally {
    await withViews.stop();
    await without.stop();
  }
}

interface Window {
  from: number;
  to: number;
}

/** Nearest rank. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const began = performance.now();
  const value = await fn();
  return { ms: performance.now() - began, value };
}

interface Read {
  name: string;
  /** Through HTTP, from the aggregates; the answer reduced to what the old read gives. */
  http: () => Promise<unknown>;
  /** The logs scan, the same reduction. */
  scan: () => Promise<unknown>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-read-'));
  const config = loadConfig({
    DATA_DIR: dir,
    INGEST_PORT: '0',
    INGEST_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LOG_RETENTION_DAYS: String(RETENTION_DAYS),
  });
  const service = await startStandalone(config, createLogger('silent'));
  const report = new Report('read');
  try {
    const address = service.app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const end = Date.now();
    const fillSecs = await fill(service, end);
    const { client, database: db } = service.store;
    const parts = await (
      await client.query({
        query: `SELECT table, sum(rows) AS rows, count() AS parts FROM system.parts
WHERE database = {db:String} AND active AND table LIKE '%l%' GROUP BY table ORDER BY table`,
        format: 'JSONEachRow',
        query_params: { db },
      })
    ).json<{ table: string; rows: string; parts: string }>();
    console.error(`filled ${LOGS.toLocaleString('en')} logs in ${fillSecs.toFixed(1)} s`);
    for (const p of parts)
      console.error(`  ${p.table}: ${Number(p.rows).toLocaleString('en')} rows, ${p.parts} parts`);

    const get = async (path: string): Promise<Record<string, unknown>> => {
      const res = await fetch(`${url}${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    const scan = (w: Window, stepMs?: number) =>
      templateVolume(client, db, { org: ORG, ...w, stepMs }, RETENTION_DAYS, { scanLogs: true });
    const lastDay: Window = { from: end - DAY, to: end - 1 };
    const dayBefore: Window = { from: end - 2 * DAY, to: end - DAY - 1 };
    const today = Math.floor(end / DAY) * DAY;
    const yesterday: Window = { from: today - DAY, to: today - 1 };
    const twoDaysAgo: Window = { from: today - 2 * DAY, to: today - DAY - 1 };
    const list = (name: string, w: Window, stepMs: number): Read => ({
      name: `templates with series, ${name}, step ${stepMs / 60_000} min`,
      http: async () =>
        (await get(`/templates?org=${ORG}&from=${w.from}&to=${w.to}&step=${stepMs / 1000}s&limit=1000`))[
          'templates'
        ],
      scan: async () => JSON.parse(JSON.stringify(await scan(w, stepMs))) as TemplateVolume[],
    });
    const compare = (name: string, baseline: Window, target: Window): Read => ({
      name: `compare, ${name}`,
      http: async () => {
        const body = await get(
          `/templates/compare?org=${ORG}&baseline_from=${baseline.from}&baseline_to=${baseline.to}&from=${target.from}&to=${target.to}`,
        );
        return { templates: body['templates'], unchanged: body['unchanged'] };
      },
      scan: async () => {
        const [before, after] = await Promise.all([scan(baseline), scan(target)]);
        const span = (w: Window) => w.to - w.from + 1;
        return JSON.parse(
          JSON.stringify(compareWindows(before, after, span(baseline), span(target))),
        ) as unknown;
      },
    });
    const reads = [
      // What the explorer page asks by default: the last 24 hours, 48 sparkline steps.
      list('the last 24 h (bounds to the ms, as the page asks)', lastDay, 30 * 60_000),
      list('the last 24 h (bounds to the ms)', lastDay, HOUR),
      list('yesterday (a UTC day)', yesterday, HOUR),
      compare('the last 24 h against the 24 h before', dayBefore, lastDay),
      compare('yesterday against the day before (UTC days)', twoDaysAgo, yesterday),
    ];

    for (const read of reads) {
      const [fast, slow] = [await read.http(), await read.scan()];
      if (!isDeepStrictEqual(fast, slow)) throw new Error(`${read.name}: the two answers differ`);
    }
    const stored = await (
      await client.query({
        query: `SELECT count() AS n FROM ${db}.logs WHERE org = {org:String}
AND timestamp BETWEEN fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
        format: 'JSONEachRow',
        query_params: { org: ORG, ...lastDay },
      })
    ).json<{ n: string }>();
    const counted = ((await reads[0]!.http()) as TemplateVolume[]).reduce((n, v) => n + v.count, 0);
    if (counted !== Number(stored[0]?.n)) throw new Error(`counted ${counted}, stored ${stored[0]?.n}`);
    console.error(
      `answers checked: the same both ways; the last 24 h count ${counted.toLocaleString('en')} logs`,
    );

    const lines = [
      `| read | p50 ms | p95 ms | limit ms | logs scan p50 ms | logs scan p95 ms | p95 scan / aggregates |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
    ];
    for (const read of reads) {
      const fast: number[] = [];
      const slow: number[] = [];
      // One of each first, untimed: caches warm alike.
      await read.http();
      await read.scan();
      for (let run = 0; run < RUNS; run++) {
        fast.push((await timed(read.http)).ms);
        slow.push((await timed(read.scan)).ms);
      }
      fast.sort((a, b) => a - b);
      slow.sort((a, b) => a - b);
      const [p50, p95, s50, s95] = [
        percentile(fast, 0.5),
        percentile(fast, 0.95),
        percentile(slow, 0.5),
        percentile(slow, 0.95),
      ];
      lines.push(
        `| ${read.name} | ${p50.toFixed(0)} | ${p95.toFixed(0)} | ${LIMIT_MS} ${p95 <= LIMIT_MS ? '(met)' : '(NOT met)'} | ${s50.toFixed(0)} | ${s95.toFixed(0)} | ${(s95 / p95).toFixed(1)}x |`,
      );
      report.add({
        case: `${read.name}: p95 over HTTP from the aggregates`,
        value: p95,
        peer: LIMIT_MS,
        unit: 'ms (peer: the limit)',
        note: p95 <= LIMIT_MS ? 'met' : 'NOT met',
      });
      report.add({
        case: `${read.name}: p95 over HTTP from the aggregates`,
        value: p95,
        peer: s95,
        unit: 'ms (peer: the logs scan, p95)',
      });
    }
    const cost = await insertCost(dir);
    report.add({
      case: 'an insert of 10,000 logs with the views and projection of migration 007',
      value: cost.with,
      peer: cost.without,
      unit: 'ms, median (peer: the same insert without them)',
    });
    // The machine is shared: how busy it was says how far to trust the figures.
    console.log(
      `\n${LOGS.toLocaleString('en')} logs, ${TEMPLATES.toLocaleString('en')} templates, one org, ${DAYS} days; ${RUNS} runs per read; embedded engine, Node ${process.version}; load average ${loadavg()
        .map((n) => n.toFixed(1))
        .join(' / ')} (1 / 5 / 15 min)\n`,
    );
    console.log(lines.join('\n'));
    console.log(
      `\nAn insert of 10,000 logs (median of ${INSERTS}): ${cost.with.toFixed(0)} ms with the views and projection, ${cost.without.toFixed(0)} ms without (${(cost.with / cost.without).toFixed(2)}x)\n`,
    );
    report.emit(values.json);
  } finally {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
