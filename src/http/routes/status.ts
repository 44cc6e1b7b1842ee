import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.ts';
import type { ServiceView } from '../app.ts';

/**
 * The batch size we advise clients to send: large enough that per-request overhead is
 * small, small enough to stay far below the body limit and the buffer ceilings.
 */
export const OPTIMAL_BATCH_SIZE = 1000;

export function registerStatusRoutes(app: FastifyInstance, view: ServiceView, metrics: Metrics): void {
  app.get('/health', async (_request, reply) => {
    const templatesLoaded = view.match.stats().templatesLoaded;
    const storage = await view.storageHealth();
    if (view.draining()) {
      return reply.code(503).send({
        status: 'unhealthy',
        templates_loaded: templatesLoaded,
        clickhouse_connected: storage.connected,
        reason: 'shutting down',
      });
    }
    if (!storage.connected || storage.reason !== undefined) {
      return reply.code(503).send({
        status: 'unhealthy',
        templates_loaded: templatesLoaded,
        clickhouse_connected: storage.connected,
        reason: storage.reason ?? 'ClickHouse is unreachable',
      });
    }
    return { status: 'healthy', templates_loaded: templatesLoaded, clickhouse_connected: true };
  });

  app.get('/stats', () => {
    const ingest = view.ingest.stats();
    const match = view.match.stats();
    const generate = view.generate.stats();
    const store = view.store.stats();
    const llm = view.llm();
    return {
      templates_loaded: match.templatesLoaded,
      optimal_batch_size: OPTIMAL_BATCH_SIZE,
      generator: view.generatorName,
      requests: ingest.requests,
      logs: {
        accepted: ingest.accepted,
        matched: ingest.matched,
        unmatched: match.unmatched,
        failed: ingest.failed,
        matched_after_generation: generate.matchedAfterGeneration,
        stored_without_template: generate.storedWithoutTemplate,
      },
      rejected_overloaded: ingest.rejectedOverloaded,
      buffer: {
        rows: store.bufferedRows,
        in_flight_rows: store.inFlightRows,
        max_rows: store.bufferMaxRows,
      },
      queues: {
        unmatched: generate.queueDepth,
        unmatched_max: view.generateQueueMax,
        generation_batches_in_flight: generate.inFlightBatches,
      },
      generation: {
        batches: generate.batches,
        templates_created: generate.templatesCreated,
        templates_updated: generate.templatesUpdated,
        templates_rejected: generate.proposalsRejected,
        templates_merged: generate.templatesMerged,
        retries: generate.retries,
        failures: generate.generationErrors,
      },
      llm:
        llm === undefined
          ? null
          : {
              calls: llm.calls,
              retries: llm.retries,
              failures: llm.failures,
              fallback_lines: llm.fallbackLines,
              tokens_in: llm.tokensIn,
              tokens_out: llm.tokensOut,
              templates_accepted: llm.proposalsAccepted,
              templates_rejected: llm.proposalsRejected,
              calls_per_1000_unmatched:
                match.unmatched === 0 ? 0 : Math.round((llm.calls / match.unmatched) * 1000 * 10) / 10,
            },
      storage: {
        flushes: store.flushes,
        rows_written: store.flushedRows,
        write_errors: store.writeErrors,
        failing: store.failing,
        last_error: store.lastError ?? null,
      },
    };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
