import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createGenerator, LlmGenerator, startGenerate } from '../generate/index.ts';
import { buildApp } from '../http/app.ts';
import { startIngest } from '../ingest/stage.ts';
import { orgRateLimit } from '../quota/token-buckets.ts';
import type { Logger } from '../logger.ts';
import { startMatch } from '../match/stage.ts';
import { createMetrics } from '../metrics.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import type { TemplateChange } from '../model/template-change.ts';
import { startStore, type Store } from '../store/stage.ts';
import { InProcessChannel } from '../transport/in-process.ts';

export interface RunningService {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Stops accepting, drains every queue and buffer into storage, closes storage. */
  stop(): Promise<void>;
}

/**
 * Every stage in one process, joined by in-process channels:
 * http → ingest → match → (unmatched → generate →) matched → store.
 * Wiring only: the logic lives in the stages.
 */
export async function startStandalone(config: Config, logger: Logger): Promise<RunningService> {
  const metricsRef: { flush?: (rows: number, ms: number, ok: boolean) => void } = {};
  const store = await startStore(config.clickhouse, {
    logger: logger.child({ stage: 'store' }),
    onFlush: (rows, ms, ok) => metricsRef.flush?.(rows, ms, ok),
  });
  const templates = await store.loadTemplates();

  const channels = {
    matched: new InProcessChannel<StoredLog>('matched'),
    unmatched: new InProcessChannel<LogRecord>('unmatched'),
    templates: new InProcessChannel<TemplateChange>('templates'),
  };
  channels.matched.subscribe((rows) => store.writer.enqueue(rows as StoredLog[]));

  const match = startMatch({ channels, initial: templates, logger: logger.child({ stage: 'match' }) });
  const generator = createGenerator(config.llm, logger.child({ stage: 'generate' }));
  const llmStats = () => (generator instanceof LlmGenerator ? generator.stats() : undefined);
  generator.seed(templates);
  const generate = startGenerate(
    {
      queueMaxLogs: config.generate.queueMaxLogs,
      maxTemplatesPerOrg: config.generate.maxTemplatesPerOrg,
      maxConcurrentBatches: config.llm.maxConcurrentBatches,
    },
    {
      generator,
      channels,
      saveTemplates: (changed) => store.saveTemplates(changed),
      initial: templates,
      logger: logger.child({ stage: 'generate' }),
    },
  );

  const storeStats = () => ({ ...store.writer.stats(), bufferMaxRows: config.clickhouse.bufferMaxRows });
  // The sources are read only when /metrics is scraped, after everything below exists.
  const metrics = createMetrics({
    ingest: () => ingest.stats(),
    match: () => match.stats(),
    generate: () => generate.stats(),
    store: storeStats,
    llm: llmStats,
  });
  metricsRef.flush = (_rows, ms, ok) =>
    metrics.flushDuration.observe({ result: ok ? 'ok' : 'error' }, ms / 1000);

  const ingest = startIngest({
    limits: config.limits,
    maxLogsPerRequest: config.limits.maxLogsPerRequest,
    rateLimit: orgRateLimit(config.rateLimit),
    route: (logs) => match.route(logs),
    whyNoRoom: () => {
      if (!store.writer.hasRoom()) return 'the ClickHouse write buffer is full';
      if (!generate.hasRoom()) return 'the queue of logs waiting for a template is full';
      return undefined;
    },
    retryAfterSecs: Math.max(1, Math.ceil(config.clickhouse.flushIntervalSecs)),
    onBatch: (size) => metrics.ingestBatchSize.observe(size),
  });

  let draining = false;
  const app = buildApp({
    bodyLimitBytes: config.http.bodyLimitBytes,
    auth: config.auth,
    logger: logger.child({ stage: 'http' }),
    metrics,
    view: {
      ingest,
      match,
      generate,
      store: { stats: storeStats },
      generatorName: generator.source,
      llm: llmStats,
      generateQueueMax: config.generate.queueMaxLogs,
      storageHealth: () => store.health(),
      draining: () => draining,
      reads: {
        listTemplates: (org) => store.listTemplates(org),
        queryLogs: (query) => store.queryLogs(query),
      },
    },
  });
  await app.listen({ port: config.http.port, host: config.http.host });

  let stopping: Promise<void> | undefined;
  return {
    app,
    store,
    stop() {
      stopping ??= (async () => {
        const deadline = Date.now() + config.shutdownTimeoutSecs * 1000;
        draining = true;
        ingest.close();
        await app.close();
        await generate.stop(deadline);
        match.stop();
        const left = await store.stop(Math.max(deadline, Date.now() + 5000));
        if (left.unwrittenRows > 0 || left.unwrittenTemplates > 0) {
          throw new Error(
            `storage stayed unavailable: ${left.unwrittenRows} logs and ${left.unwrittenTemplates} templates not written`,
          );
        }
      })();
      return stopping;
    },
  };
}
