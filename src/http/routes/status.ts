import type { FastifyInstance } from 'fastify';
import type { IngestStats } from '../../ingest/index.ts';
import type { Metrics } from '../../metrics.ts';
import type { ServiceView } from '../app.ts';

/**
 * The batch size we advise clients to send: large enough that per-request overhead is
 * small, small enough to stay far below the body limit and the buffer ceilings.
 */
export const OPTIMAL_BATCH_SIZE = 1000;

const NO_INGEST: IngestStats = { requests: 0, accepted: 0, matched: 0, failed: 0, rejectedOverloaded: 0 };

export function registerStatusRoutes(app: FastifyInstance, view: ServiceView, metrics: Metrics): void {
  app.get('/health', async (_request, reply) => {
    const templatesLoaded = view.match.stats().templatesLoaded;
    const storage = view.storageHealth === undefined ? undefined : await view.storageHealth();
    const roles = view.roles === undefined ? {} : { roles: view.roles };
    const body = {
      templates_loaded: templatesLoaded,
      // null: this process has no storage of its own (a Kafka role other than the writer).
      clickhouse_connected: storage?.connected ?? null,
      ...roles,
    };
    const unhealthy = (reason: string) => reply.code(503).send({ status: 'unhealthy', ...body, reason });
    if (view.draining()) return unhealthy('shutting down');
    const notReady = view.notReady?.();
    if (notReady !== undefined) return unhealthy(notReady);
    if (storage !== undefined && (!storage.connected || storage.reason !== undefined)) {
      return unhealthy(storage.reason ?? 'ClickHouse is unreachable');
    }
    return { status: 'healthy', ...body };
  });

  app.get('/stats', () => {
    const ingest = view.ingest?.stats() ?? NO_INGEST;
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
        // Kafka mode matches after the answer: a matcher reports its own count.
        matched: view.ingest === undefined ? match.matched : ingest.matched,
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
              regrouped_lines: llm.regroupedLines,
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
      ...(view.kafka === undefined ? {} : { roles: view.roles, kafka: view.kafka() }),
    };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
