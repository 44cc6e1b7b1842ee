/**
 * A process that runs the Kafka-mode matcher role alone (ROLE=matcher): the role part and its
 * status routes on a bare node:http server (http/status-server.ts), without the Fastify app
 * serve.ts builds. A matcher takes no request of its own, and what the app loads (Fastify, the
 * API's routes and schemas, /docs, /ui, and through standalone.ts the storage and LLM clients)
 * is memory every matcher would hold for nothing (docs/benchmarks.md, "A lean matcher"). The
 * same part as in ROLE=all, the same /health, /stats and /metrics, the same drain on SIGTERM.
 */
import type { Config } from '../config.ts';
import { buildKeyTable } from '../http/api-keys.ts';
import { listenStatusServer } from '../http/status-server.ts';
import type { Logger } from '../logger.ts';
import { createMetrics } from '../metrics/prometheus.ts';
import { startMatcherRole } from './matcher.ts';
import type { RolePart } from './part.ts';
import type { RunningProcess } from './running.ts';
import { serviceView, statsSources } from './view.ts';

export async function serveMatcher(config: Config, logger: Logger): Promise<RunningProcess> {
  const parts: RolePart[] = [];
  const sources = statsSources(parts, () => undefined);
  const metrics = createMetrics(sources);
  const matcher = await startMatcherRole(config, logger.child({ role: 'matcher' }));
  parts.push(matcher);
  let draining = false;
  const status = await listenStatusServer({
    port: config.http.port,
    host: config.http.host,
    requestTimeoutMs: config.http.requestTimeoutSecs * 1000,
    connections: { max: config.http.maxConnections, perClient: config.http.maxConnectionsPerClient },
    keys: buildKeyTable(config.auth.keys),
    view: serviceView(parts, sources, () => draining, true),
    metrics,
    logger: logger.child({ stage: 'http' }),
  }).catch(async (err: unknown) => {
    await matcher.stop(Date.now());
    throw err;
  });
  const address = status.server.address();
  let stopping: Promise<void> | undefined;
  return {
    port: typeof address === 'object' && address !== null ? address.port : config.http.port,
    description: `Kafka mode (${(config.kafka.brokers ?? []).join(',')}), roles: matcher`,
    page: false,
    stop() {
      stopping ??= (async () => {
        const deadline = Date.now() + config.shutdownTimeoutSecs * 1000;
        draining = true;
        await status.close();
        await matcher.stop(deadline);
      })();
      return stopping;
    },
  };
}
