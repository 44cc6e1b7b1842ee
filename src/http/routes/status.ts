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
    // In words, without the engine's error text: /health answers anyone (probes hold no key),
    // and that text names hosts and paths. The details are in the service's log.
    if (storage !== undefined && !storage.connected) {
      return unhealthy('ClickHouse is unreachable (the service log says why)');
    }
    if (storage?.reason !== undefined) {
      return unhealthy('writes to ClickHouse are failing (the service log says why)');
    }
    return { status: 'healthy', ...body };
  });

  app.get('/stats', { schema: STATS_SCHEMA, serializerCompiler: STATS_SERIALIZER }, (request) =>
    statsBody(
      view.stats,
      {
        optimal_batch_size: OPTIMAL_BATCH_SIZE,
        generator: view.generatorName,
        'queues.unmatched_max': view.generateQueueMax,
        ...(view.kafka === undefined ? {} : { roles: view.roles, kafka: view.kafka() }),
      },
      // A key for some orgs is a tenant's: its orgs only, no error texts.
      { orgs: request.apiKey?.orgs },
    ),
  );

  app.get('/metrics', { schema: METRICS_SCHEMA }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
