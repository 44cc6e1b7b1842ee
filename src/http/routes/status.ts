import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/prometheus.ts';
import { healthAnswer, statsAnswer } from '../status-bodies.ts';
import type { ServiceView } from '../view.ts';
import { HEALTH_SCHEMA, METRICS_SCHEMA, STATS_SCHEMA, STATS_SERIALIZER } from './status-schema.ts';

export function registerStatusRoutes(app: FastifyInstance, view: ServiceView, metrics: Metrics): void {
  app.get('/health', { schema: HEALTH_SCHEMA }, async (_request, reply) => {
    const answer = await healthAnswer(view);
    return reply.code(answer.status).send(answer.body);
  });

  app.get('/stats', { schema: STATS_SCHEMA, serializerCompiler: STATS_SERIALIZER }, (request) =>
    statsAnswer(view, request.apiKey?.orgs),
  );

  app.get('/metrics', { schema: METRICS_SCHEMA }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}
