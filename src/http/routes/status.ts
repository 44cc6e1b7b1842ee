import type { FastifyInstance } from 'fastify';
import { NO_INGEST_STATS } from '../../ingest/stage.ts';
import type { Metrics } from '../../metrics.ts';
import type { ServiceView } from '../view.ts';
import { HEALTH_SCHEMA, METRICS_SCHEMA, STATS_SCHEMA, STATS_SERIALIZER } from './status-schema.ts';

/**
 * The batch size we advise clients to send: large enough that per-request overhead is
 * small, small enough to stay far below the body limit and the buffer ceilings.
 */
export const OPTIMAL_BATCH_SIZE = 1000;

export function registerStatusRoutes(app: FastifyInstance, view: ServiceView, metrics: Metrics): void {
  app.get('/health', { schema: HEALTH_SCHEMA }, async (_request, reply) => {
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

  app.get('/stats', { schema: STATS_SCHEMA, serializerCompiler: STATS_SERIALIZER }, () => {
    const ingest = view.ingest?.stats() ?? NO_INGEST_STATS;
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
      quotas: {
        rate_limited_requests: ingest.rateLimitedRequests,
        rate_limited_logs: ingest.rateLimitedLogs,
        template_cap_lines: generate.templateCapLines,
        llm_budget_lines: llm?.budgetLines ?? 0,
        by_org: quotasByOrg(ingest.rateLimitedByOrg, generate.templateCapByOrg, llm?.budgetByOrg ?? {}),
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

  app.get('/metrics', { schema: METRICS_SCHEMA }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

interface OrgQuotaCounts {
  rate_limited_logs: number;
  template_cap_lines: number;
  llm_budget_lines: number;
}

/**
 * The orgs a quota held back, each with its three counts (the tallies are bounded). Built in a
 * Map: org names come from clients, and `__proto__` must stay a name, not reach a prototype.
 */
function quotasByOrg(
  rateLimited: Record<string, number>,
  templateCap: Record<string, number>,
  llmBudget: Record<string, number>,
): Record<string, OrgQuotaCounts> {
  const byOrg = new Map<string, OrgQuotaCounts>();
  const entry = (org: string): OrgQuotaCounts => {
    let counts = byOrg.get(org);
    if (counts === undefined)
      byOrg.set(org, (counts = { rate_limited_logs: 0, template_cap_lines: 0, llm_budget_lines: 0 }));
    return counts;
  };
  for (const [org, n] of Object.entries(rateLimited)) entry(org).rate_limited_logs = n;
  for (const [org, n] of Object.entries(templateCap)) entry(org).template_cap_lines = n;
  for (const [org, n] of Object.entries(llmBudget)) entry(org).llm_budget_lines = n;
  return Object.fromEntries(byOrg);
}
