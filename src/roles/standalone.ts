/**
 * Standalone: the four roles of Kafka mode in one process, joined by in-process channels
 * instead of topics, the store embedded (or a ClickHouse server with CLICKHOUSE_URL):
 * http → ingest → match → (unmatched → generate →) matched → store. Served and stopped by the
 * same assembly as Kafka mode (serve.ts). Wiring only: the logic lives in the stages.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createGenerator, startGenerate, type GenerateStage } from '../generate/index.ts';
import { lineFieldsFor } from '../ingest/line-fields.ts';
import { startIngest } from '../ingest/stage.ts';
import type { Logger } from '../logger.ts';
import { startMatch, type MatchStage } from '../match/stage.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import type { Curation } from '../model/curation.ts';
import type { InsertEntry } from '../model/insert-entry.ts';
import type { TemplateChange } from '../model/template-change.ts';
import { CurationService } from '../curate/service.ts';
import type { Template } from '../model/template.ts';
import { orgCeiling } from '../quota/org-ceiling.ts';
import { orgRateLimit } from '../quota/token-buckets.ts';
import { rateJumpSignal } from '../signals/rate-jumps.ts';
import { templateWebhook } from '../signals/webhook.ts';
import { startStore, type Store } from '../store/stage.ts';
import { InProcessChannel } from '../transport/in-process.ts';
import { startWal, type WalStage } from '../wal/stage.ts';
import { startRequestThreads, type RunningThreads } from '../threads/index.ts';
import {
  generateConfig,
  generateReport,
  START_ORDER,
  syslogOrgs,
  type RoleDeps,
  type RoleName,
  type RolePart,
} from './part.ts';
import { serveRoles, type StartRole } from './serve.ts';

export interface RunningService {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Stops accepting, drains every queue and buffer into storage, closes storage. */
  stop(): Promise<void>;
}

/** The standalone service alone (the CLI starts it through roles/index.ts; tests here). */
export async function startStandalone(config: Config, logger: Logger): Promise<RunningService> {
  const served = await serveRoles(config, logger, START_ORDER, standaloneRoles());
  const store = served.parts.find((p) => p.store !== undefined)?.store?.store;
  if (store === undefined) throw new Error('the standalone writer role started without a store');
  return { app: served.app, store, stop: () => served.stop() };
}

/** What the roles of one process share: the channels, and the parts started before them. */
interface Shared {
  readonly channels: {
    matched: InProcessChannel<StoredLog>;
    /** The request path's rows, encoded already: one entry per request. */
    entries: InProcessChannel<InsertEntry>;
    unmatched: InProcessChannel<LogRecord>;
    templates: InProcessChannel<TemplateChange>;
  };
  store?: Store;
  /** Loaded from storage by the writer, the starting set of the matcher and the generator. */
  templates?: readonly Template[];
  /** Their curations: the matcher's ingest rules at start. */
  curations?: readonly Curation[];
  generate?: GenerateStage;
  match?: MatchStage;
  /** Opened by the ingest part; the writer releases what it stores. */
  wal?: WalStage;
}

/** How each role starts in-process; the roles of one call share channels and parts. */
export function standaloneRoles(): StartRole {
  const shared: Shared = {
    channels: {
      matched: new InProcessChannel<StoredLog>('matched'),
      entries: new InProcessChannel<InsertEntry>('entries'),
      unmatched: new InProcessChannel<LogRecord>('unmatched'),
      templates: new InProcessChannel<TemplateChange>('templates'),
    },
  };
  const starts: Record<RoleName, (deps: RoleDeps, shared: Shared) => Promise<RolePart> | RolePart> = {
    writer: startWriter,
    generator: startGenerator,
    matcher: startMatcher,
    ingest: startIngestPart,
  };
  return async (role, deps) => starts[role](deps, shared);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`standalone: ${what} must start first (START_ORDER)`);
  return value;
}

async function startWriter({ config, logger, metrics }: RoleDeps, shared: Shared): Promise<RolePart> {
  const store = await startStore(config.clickhouse, {
    logger: logger.child({ stage: 'store' }),
    onFlush: (_rows, ms, ok) => metrics.flushDuration.observe({ result: ok ? 'ok' : 'error' }, ms / 1000),
    onStored: (entries) => shared.wal?.release(entries),
    fsyncParts: config.wal.sync === 'fsync',
  });
  shared.store = store;
  shared.templates = await store.loadTemplates();
  shared.curations = await store.curation.loadAll();
  const curation = new CurationService({
    store: store.curation,
    publish: (changes) => shared.channels.templates.publish(changes),
    maxTemplatesPerOrg: config.generate.maxTemplatesPerOrg,
  });
  const rateJumps = rateJumpSignal(config, store.windows, logger.child({ stage: 'signals' }));
  shared.channels.matched.subscribe((rows) => store.writer.enqueue(rows));
  shared.channels.entries.subscribe((entries) => store.writer.enqueueEntries(entries));
  return {
    role: 'writer',
    curation,
    store: {
      store,
      stats: () => ({ ...store.writer.stats(), bufferMaxRows: config.clickhouse.bufferMaxRows }),
    },
    async stop(deadline) {
      rateJumps?.stop();
      const left = await store.stop(Math.max(deadline, Date.now() + 5000));
      if (left.unwrittenRows > 0 || left.unwrittenTemplates > 0) {
        throw new Error(
          `storage stayed unavailable: ${left.unwrittenRows} logs and ${left.unwrittenTemplates} templates not written`,
        );
      }
    },
  };
}

function startGenerator({ config, logger }: RoleDeps, shared: Shared): RolePart {
  const store = need(shared.store, 'the writer');
  const templates = need(shared.templates, 'the writer');
  const generator = createGenerator(config.llm, logger.child({ stage: 'generate' }));
  generator.seed(templates);
  const webhook = templateWebhook(config.templateWebhookUrl, logger);
  const generate = startGenerate(generateConfig(config), {
    generator,
    // It follows the templates channel too: a template added by hand (curation) is one it must know.
    channels: { ...shared.channels, knownTemplates: shared.channels.templates },
    saveTemplates: (changed) => store.saveTemplates(changed),
    ...(webhook === undefined ? {} : { onTemplatesCreated: (created) => webhook.templatesCreated(created) }),
    initial: templates,
    logger: logger.child({ stage: 'generate' }),
  });
  shared.generate = generate;
  return {
    role: 'generator',
    generate: generateReport(config, generator, generate),
    async stop(deadline) {
      await generate.stop(deadline);
      webhook?.stop();
    },
  };
}

function startMatcher({ config, logger }: RoleDeps, shared: Shared): RolePart {
  const match = startMatch({
    channels: shared.channels,
    orgIdleUnloadSecs: config.orgs.idleUnloadSecs,
    initial: need(shared.templates, 'the writer'),
    initialCurations: need(shared.curations, 'the writer'),
    logger: logger.child({ stage: 'match' }),
  });
  shared.match = match;
  return {
    role: 'matcher',
    match: () => match.stats(),
    stop() {
      match.stop();
      return Promise.resolve();
    },
  };
}

function startIngestPart({ config, logger, metrics }: RoleDeps, shared: Shared): RolePart {
  const store = need(shared.store, 'the writer');
  const generate = need(shared.generate, 'the generator');
  const match = need(shared.match, 'the matcher');
  const retryAfterSecs = Math.max(1, Math.ceil(config.clickhouse.flushIntervalSecs));
  const whyQueuesFull = (): string | undefined => {
    if (!store.writer.hasRoom()) return 'the ClickHouse write buffer is full';
    if (!generate.hasRoom()) return 'the queue of logs waiting for a template is full';
    return undefined;
  };
  const { sync } = config.wal;
  const wal =
    sync === 'off'
      ? undefined
      : startWal(
          { ...config.wal, sync },
          {
            match,
            storedIds: (logs, since) => store.storedIds(logs, since),
            hasRoom: () => whyQueuesFull() === undefined,
            flushed: () => store.writer.flush(),
            retryAfterSecs,
            logger: logger.child({ stage: 'wal' }),
          },
        );
  if (wal === undefined)
    logger.warn('INGEST_WAL_SYNC=off: a 200 means in memory; a crash loses what storage has not written');
  shared.wal = wal;
  const threads = startThreads(config, logger, shared, wal, match);
  const ingest = startIngest({
    limits: config.limits,
    maxLogsPerRequest: config.limits.maxLogsPerRequest,
    rateLimit: orgRateLimit(config.rateLimit),
    orgs: orgCeiling(
      config.orgs,
      config.auth.keys,
      (shared.templates ?? []).map((t) => t.org),
      syslogOrgs(config),
    ),
    route: wal === undefined ? (logs) => match.route(logs) : (logs) => wal.route(logs),
    whyNoRoom: () => wal?.whyNoRoom() ?? whyQueuesFull(),
    retryAfterSecs,
    onBatch: (size) => metrics.ingestBatchSize.observe(size),
    lineFieldsFor: lineFieldsFor(config.lineFields),
  });
  // Closed by the assembly before the HTTP server stops; the WAL's active segment is closed
  // here, and the writer still releases what it stores while it drains.
  return {
    role: 'ingest',
    ingest,
    ...(threads === undefined ? {} : { threads }),
    ...(wal === undefined ? {} : { wal: () => wal.stats(), notReady: () => wal.notReady() }),
    stop: async (deadline) => {
      // The requests in flight were answered when the server closed; a worker's late answer
      // has nowhere to go, so the workers end before the WAL's segment closes.
      await threads?.stop(deadline);
      await wal?.stop();
    },
  };
}

/**
 * The request threads (INGEST_THREADS above 1): they match with copies of the matcher's
 * templates, kept current from the templates channel; what they prepare goes through the WAL
 * as the main thread's own requests do.
 */
function startThreads(
  config: Config,
  logger: Logger,
  shared: Shared,
  wal: WalStage | undefined,
  match: MatchStage,
): RunningThreads | undefined {
  if (config.http.threads <= 1) return undefined;
  const threads = startRequestThreads(
    {
      // INGEST_THREADS counts the main thread: on two cores, one worker beside it (two
      // workers measured slower there, docs/benchmarks.md "Request threads").
      threads: config.http.threads - 1,
      jobTimeoutMs: config.http.requestTimeoutSecs * 1000,
      limits: config.limits,
      lineFields: config.lineFields,
      maxLogs: config.limits.maxLogsPerRequest,
      bodyLimit: config.http.bodyLimitBytes,
      templates: need(shared.templates, 'the writer'),
      curations: need(shared.curations, 'the writer'),
      orgIdleUnloadSecs: config.orgs.idleUnloadSecs,
      logLevel: config.logLevel,
      frameRecords: wal !== undefined,
      logger: logger.child({ stage: 'threads' }),
    },
    wal === undefined
      ? (classified) => match.publish(classified)
      : (classified, record) => wal.routeClassified(classified, record),
  );
  shared.channels.templates.subscribe((changes) => threads.templatesChanged(changes));
  return threads;
}
