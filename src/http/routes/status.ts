import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/prometheus.ts';
import { statsBody } from '../../metrics/stats-body.ts';
import type { ServiceView } from '../view.ts';
import { HEALTH_SCHEMA, METRICS_SCHEMA, STATS_SCHEMA, STATS_SERIALIZER } from './status-schema.ts';

/**
 * The batch size we advise clients to send: large enough that per-request overhead is
 * small, small enough to stay far below the body limit and the buffer ceilings.
 */
export const OPTIMAL_BATCH_SIZE = 1000;

export function registerStatusRoutes(app: FastifyInstance, view: ServiceView, metrics: Metrics): void {
  app.get('/health', { schema: HEALTH_SCHEMA }, async (_request, reply) => {
    const templatesLoaded = view.stats.match().templatesLoaded;
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

  app.get('/stats', { schema: STATS_SCHEMA, serializerCompiler: STATS_SERIALIZER }, () =>
    statsBody(view.stats, {
      optimal_batch_size: OPTIMAL_BATCH_SIZE,
      generator: view.generatorName,
      'queues.unmatched_max': view.generateQueueMax,
      ...(view.kafka === undefined ? {} : { roles: view.roles, kafka: view.kafka() }),
    }),
  );

  app.get('/metrics', { schema: METRICS_SCHEMA }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
