import type { Config } from '../config.ts';
import { templateDetail, type DetailQuery, type TemplateDetail } from './template-detail.ts';
import { templateVolume, type TemplateVolume, type VolumeQuery } from './template-volume.ts';
import {
  untemplatedAllTime,
  untemplatedReasonsIn,
  type UntemplatedReasonCount,
  type UntemplatedTotal,
} from './untemplated.ts';
import { StorageError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LogRecord, StoredLog, WalTag } from '../model/log.ts';
import type { Template } from '../model/template.ts';
import { createStoreClient, insertEncoded, type ClickHouseClient } from './client.ts';
import { encodeLogs, LOG_COLUMNS, LOG_FORMAT, storedTimestampMs } from './format.ts';
import { runMigrations } from './migrations/index.ts';
import { findStoredIds, queryLogs, type LogsPage, type LogsQuery } from './queries.ts';
import { applyPartFsync } from './part-fsync.ts';
import { applyRetention } from './retention.ts';
import {
  encodeTemplates,
  listTemplates,
  loadTemplates,
  TEMPLATE_COLUMNS,
  type TemplateSummary,
} from './templates.ts';
import type { WriterStats } from './counters.ts';
import { reconcileVolume } from './volume-reconcile.ts';
import { subtractFromStats } from './stats-reconcile.ts';
import { BatchWriter, oneRowEach, type OnFlush } from './writer.ts';
import { ENTRY_SIZES, entriesOf, joinEntries } from './entry.ts';
import type { InsertEntry } from '../model/insert-entry.ts';
import type { Curation } from '../model/curation.ts';
import { templateTexts, windowCounts, type WindowCounts } from './rate-windows.ts';
import { listChanges, loadCurations, saveChange, saveCurations, type CurationStore } from './curation.ts';

export type { LogsPage, LogsQuery, LogView } from './queries.ts';
export type { TemplateSummary } from './templates.ts';
export type { OnFlush } from './writer.ts';
export type { StoreStats, WriterStats } from './counters.ts';

export interface LogWriter {
  /** Synchronous; never refuses. Check hasRoomFor first to stay under bufferMaxRows. */
  enqueue(rows: readonly (StoredLog & WalTag)[]): void;
  /** The same for rows encoded already (a request's, model/insert-entry.ts). */
  enqueueEntries(entries: readonly InsertEntry[]): void;
  /** False when buffered + in flight + rows would exceed bufferMaxRows (answer 503). */
  hasRoomFor(rows: number): boolean;
  hasRoom(): boolean;
  stats(): WriterStats;
  /** Resolves true once every row enqueued so far is stored (tests, shutdown). */
  flushed(): Promise<boolean>;
  /** Writes what is buffered now instead of at the interval, then as flushed(). */
  flush(): Promise<boolean>;
}

export interface Store {
  readonly writer: LogWriter;
  /** Buffered and retried like logs, flushed within ~100 ms and on stop; never throws. */
  saveTemplates(templates: Template[]): void;
  /** Resolves true once every template saved so far is stored. */
  templatesSaved(): Promise<boolean>;
  loadTemplates(): Promise<Template[]>;
  /** Counts per window across orgs, for the rate-jump signal (store/rate-windows.ts). */
  readonly windows: {
    counts: (q: Parameters<typeof windowCounts>[2]) => Promise<WindowCounts[]>;
    texts: (keys: Parameters<typeof templateTexts>[2]) => Promise<Map<string, string>>;
  };
  /** Curation (store/curation.ts): decisions, their record, and what it checks against. */
  readonly curation: CurationStore & { loadAll(): Promise<Curation[]> };
  listTemplates(org: string): Promise<TemplateSummary[]>;
  /** Each template's exact volume within a window (store/template-volume.ts). */
  templateVolume(query: VolumeQuery): Promise<TemplateVolume[]>;
  /** One template in depth (store/template-detail.ts); undefined when the org has no such template. */
  templateDetail(query: DetailQuery): Promise<TemplateDetail | undefined>;
  /** The org's logs without a template, ever, by reason (store/untemplated.ts); undefined: none. */
  untemplatedAllTime(org: string): Promise<UntemplatedTotal | undefined>;
  /** The same within a window, counted from the logs. */
  untemplatedReasonsIn(query: { org: string; from: number; to: number }): Promise<UntemplatedReasonCount[]>;
  /**
   * The ids of these logs that are stored (each log must have its id): what the write-ahead
   * log's replay skips. `arrivedSince` (epoch ms) bounds how long ago they can have arrived.
   */
  storedIds(logs: readonly LogRecord[], arrivedSince: number): Promise<Set<string>>;
  queryLogs(query: LogsQuery): Promise<LogsPage>;
  /**
   * One insert attempt of a caller-made batch (the Kafka writer role: reproducible batches, its
   * own token from topic/partition/offsets). Rejects with a retryable StorageError.
   */
  insertBatch(rows: StoredLog[], dedupToken: string): Promise<void>;
  /**
   * Replay: deletes the stored rows with these logs' ids (each must have one), then inserts the
   * logs as insertBatch does, then makes the pattern aggregates of their hours good again
   * (volume-reconcile.ts). Run again after a failure, it leaves each log stored and counted once.
   */
  replaceLogs(rows: StoredLog[], dedupToken: string): Promise<void>;
  health(): Promise<{ connected: boolean; reason?: string }>;
  /** Drains logs and templates (retrying until `deadline`, epoch ms), then closes the client. */
  stop(deadline?: number): Promise<{ unwrittenRows: number; unwrittenTemplates: number }>;
  /** For tests and tools: the underlying client (embedded or HTTP). */
  readonly client: ClickHouseClient;
  readonly database: string;
}

export interface StoreDeps {
  logger: Logger;
  onFlush?: OnFlush;
  /** Called with the entries of each log insert once it succeeded (each with its WAL segment). */
  onStored?: (entries: readonly InsertEntry[]) => void;
  /** Inserts fsync their parts before they return (INGEST_WAL_SYNC=fsync; see part-fsync.ts). */
  fsyncParts?: boolean;
}

const CONNECT_ATTEMPTS = 3;
/** Inserts of 10,000-20,000 rows are where the embedded engine ingests fastest (npm run bench:store). */
const MAX_INSERT_ROWS = 20_000;
const DEFAULT_STOP_MS = 30_000;
const HOUR = 3_600_000;

function describe(config: Config['clickhouse']): string {
  if (config.url === undefined) return `embedded ClickHouse at ${config.dataDir}`;
  const url = new URL(config.url);
  url.username = '';
  url.password = '';
  return `ClickHouse at ${url.origin}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function connect(config: Config['clickhouse'], logger: Logger): Promise<ClickHouseClient> {
  let client: ClickHouseClient;
  try {
    client = await createStoreClient(config);
  } catch (err) {
    throw new StorageError(`cannot open ${describe(config)}: ${messageOf(err)}`, { cause: err });
  }
  let lastError: unknown;
  for (let attempt = 1; attempt <= CONNECT_ATTEMPTS; attempt++) {
    const ping = await client.ping();
    if (ping.success) return client;
    lastError = ping.error;
    logger.warn({ attempt, err: messageOf(ping.error) }, 'storage not reachable yet');
    if (attempt < CONNECT_ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
  await client.close();
  throw new StorageError(`${describe(config)} is unreachable: ${messageOf(lastError)}`, { cause: lastError });
}

export async function startStore(config: Config['clickhouse'], deps: StoreDeps): Promise<Store> {
  const { logger } = deps;
  const db = config.database;
  const client = await connect(config, logger);
  try {
    await runMigrations(client, { db, retentionDays: config.retentionDays }, logger);
    await applyRetention(client, db, config.retentionDays, logger);
    await applyPartFsync(client, db, deps.fsyncParts ?? false, logger);
  } catch (err) {
    await client.close();
    throw new StorageError(`preparing the schema in ${describe(config)} failed: ${messageOf(err)}`, {
      cause: err,
      retryable: false,
    });
  }

  if (config.discardLogs) {
    logger.warn('BENCH_DISCARD_LOGS=true: logs are encoded and DROPPED, never stored (benchmarks only)');
  }
  const logsTable = `${db}.logs (${LOG_COLUMNS.join(', ')})`;
  const sendLogs = (body: string, token: string) => insertEncoded(client, logsTable, LOG_FORMAT, body, token);
  const retry = {
    retryInitialBackoffMs: config.retryInitialBackoffMs,
    retryMaxBackoffMs: config.retryMaxBackoffMs,
  };
  // One entry per request (or per run of rows from elsewhere), not an object per log: see
  // model/insert-entry.ts.
  const logs = new BatchWriter<InsertEntry>({
    name: 'logs',
    bufferSize: config.bufferSize,
    maxBatchRows: Math.max(config.bufferSize, MAX_INSERT_ROWS),
    flushIntervalMs: config.flushIntervalSecs * 1000,
    maxRows: config.bufferMaxRows,
    sizes: ENTRY_SIZES,
    ...retry,
    encode: joinEntries,
    send: config.discardLogs ? () => Promise.resolve() : sendLogs,
    logger,
    onFlush: deps.onFlush,
    onWritten: deps.onStored,
  });
  const templatesTable = `${db}.templates (${TEMPLATE_COLUMNS.join(', ')})`;
  const templates = new BatchWriter<Template>({
    name: 'templates',
    bufferSize: 1000,
    maxBatchRows: 1000,
    // Soon, so that a restart right after a template is learned still finds it.
    flushIntervalMs: 100,
    maxRows: Number.POSITIVE_INFINITY,
    sizes: oneRowEach(),
    ...retry,
    encode: encodeTemplates,
    send: (body, token) => insertEncoded(client, templatesTable, 'TabSeparated', body, token),
    logger,
  });

  let stopping: Promise<{ unwrittenRows: number; unwrittenTemplates: number }> | undefined;
  return {
    client,
    database: db,
    writer: {
      enqueue: (rows) => logs.enqueue(entriesOf(rows)),
      enqueueEntries: (entries) => logs.enqueue(entries),
      hasRoomFor: (rows) => logs.hasRoomFor(rows),
      hasRoom: () => logs.hasRoomFor(1),
      stats: () => logs.stats(),
      flushed: () => logs.flushed(),
      flush: () => {
        logs.flushSoon();
        return logs.flushed();
      },
    },
    saveTemplates: (list) => templates.enqueue(list),
    templatesSaved: () => templates.flushed(),
    loadTemplates: () => loadTemplates(client, db),
    windows: {
      counts: (q) => windowCounts(client, db, q),
      texts: (keys) => templateTexts(client, db, keys),
    },
    curation: {
      loadAll: () => loadCurations(client, db),
      loadCurations: (org) => loadCurations(client, db, org),
      saveCurations: (list) => saveCurations(client, db, list),
      saveChange: (change) => saveChange(client, db, change),
      listChanges: (org, templateId, limit) => listChanges(client, db, org, templateId, limit),
      templatesOf: (org) => loadTemplates(client, db, org),
      async saveTemplate(template) {
        templates.enqueue([template]);
        if (!(await templates.flushed())) throw new StorageError('the template could not be stored');
      },
    },
    listTemplates: (org) => listTemplates(client, db, org),
    templateVolume: (query) => templateVolume(client, db, query, config.retentionDays),
    templateDetail: (query) => templateDetail(client, db, query, config.retentionDays),
    untemplatedAllTime: (org) => untemplatedAllTime(client, db, org),
    untemplatedReasonsIn: (query) => untemplatedReasonsIn(client, db, query),
    queryLogs: (query) => queryLogs(client, db, query),
    storedIds: (rows, arrivedSince) => findStoredIds(client, db, rows, arrivedSince),
    async insertBatch(rows, dedupToken) {
      try {
        await sendLogs(encodeLogs(rows, LOG_FORMAT), dedupToken);
      } catch (err) {
        throw new StorageError(`insert into ${db}.logs failed: ${messageOf(err)}`, { cause: err });
      }
    },
    async replaceLogs(rows, dedupToken) {
      const ids = rows.map((r) => r.id ?? '');
      if (ids.some((id) => !/^\d{1,20}$/.test(id)))
        throw new Error('replaceLogs: every log needs its row id');
      const orgs = [...new Set(rows.map((r) => r.org))];
      try {
        // The views of template_stats and untemplated_stats will see the insert, not the delete.
        await subtractFromStats(client, db, orgs, ids);
        // Lightweight delete: the rows are masked at once and dropped at the next merge.
        await client.command({
          // Ids travel as strings (UInt64 exceeds a JS number) and are converted in the query.
          query: `DELETE FROM ${db}.logs WHERE org IN {orgs:Array(String)} AND id IN (SELECT toUInt64(arrayJoin({ids:Array(String)})))`,
          query_params: { orgs, ids },
        });
        await sendLogs(encodeLogs(rows, LOG_FORMAT), dedupToken);
        // The pattern aggregates' views saw the insert but not the delete.
        const hours = new Set(rows.map((r) => Math.floor(storedTimestampMs(r.timestamp) / HOUR) * HOUR));
        await reconcileVolume(client, db, orgs, [...hours]);
      } catch (err) {
        throw new StorageError(`replacing ${rows.length} rows in ${db}.logs failed: ${messageOf(err)}`, {
          cause: err,
        });
      }
    },
    async health() {
      const ping = await client.ping();
      if (!ping.success) return { connected: false, reason: messageOf(ping.error) };
      const stats = logs.stats();
      if (stats.failing)
        return { connected: true, reason: `writes are failing: ${stats.lastError ?? 'unknown error'}` };
      return { connected: true };
    },
    stop(deadline = Date.now() + DEFAULT_STOP_MS) {
      stopping ??= (async () => {
        const [logsLeft, templatesLeft] = await Promise.all([logs.stop(deadline), templates.stop(deadline)]);
        await client.close();
        return { unwrittenRows: logsLeft.unwrittenRows, unwrittenTemplates: templatesLeft.unwrittenRows };
      })();
      return stopping;
    },
  };
}
