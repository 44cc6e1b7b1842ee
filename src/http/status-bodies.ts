/**
 * What GET /health and GET /stats answer, without a web framework: the Fastify routes
 * (routes/status.ts) and the matcher's bare status server (status-server.ts) send these same
 * bodies, so probes and scrapers see one service whichever serves them.
 */
import { statsBody } from '../metrics/stats-body.ts';
import type { ServiceView } from './view.ts';

/**
 * The batch size we advise clients to send: large enough that per-request overhead is
 * small, small enough to stay far below the body limit and the buffer ceilings.
 */
export const OPTIMAL_BATCH_SIZE = 1000;

export interface HealthAnswer {
  readonly status: 200 | 503;
  readonly body: Record<string, unknown>;
}

/** 200 when the process is ready and its storage (if it has any) answers; 503 with the reason. */
export async function healthAnswer(view: ServiceView): Promise<HealthAnswer> {
  const templatesLoaded = view.stats.match().templatesLoaded;
  const storage = view.storageHealth === undefined ? undefined : await view.storageHealth();
  const roles = view.roles === undefined ? {} : { roles: view.roles };
  const body = {
    templates_loaded: templatesLoaded,
    // null: this process has no storage of its own (a Kafka role other than the writer).
    clickhouse_connected: storage?.connected ?? null,
    ...roles,
  };
  const unhealthy = (reason: string): HealthAnswer => ({
    status: 503,
    body: { status: 'unhealthy', ...body, reason },
  });
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
  return { status: 200, body: { status: 'healthy', ...body } };
}

/** The /stats body; `orgs`: the orgs of a tenant's key (its orgs only, no error texts). */
export function statsAnswer(
  view: ServiceView,
  orgs: ReadonlySet<string> | undefined,
): Record<string, unknown> {
  return statsBody(
    view.stats,
    {
      optimal_batch_size: OPTIMAL_BATCH_SIZE,
      generator: view.generatorName,
      'queues.unmatched_max': view.generateQueueMax,
      ...(view.kafka === undefined ? {} : { roles: view.roles, kafka: view.kafka() }),
    },
    { orgs },
  );
}
