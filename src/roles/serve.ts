/**
 * The one assembly of both modes: starts a process's role parts in order, serves them on one
 * HTTP server (/health, /stats and /metrics always; POST /logs/ingest with the ingest role;
 * reads where there is storage), with the syslog listener beside it (SYSLOG_PORT, where the
 * ingest stage runs), and stops them in one drain order. Standalone passes the four
 * roles joined by in-process channels (standalone.ts), Kafka mode the roles it runs (kafka.ts).
 * Wiring only.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { buildApp } from '../http/app.ts';
import type { Logger } from '../logger.ts';
import { createMetrics } from '../metrics/prometheus.ts';
import { listenOtlpPort, type OtlpPort } from '../protocols/otlp/port.ts';
import { startSyslog, type SyslogServer } from '../protocols/syslog/server.ts';
import type { RoleDeps, RoleName, RolePart } from './part.ts';
import { find, serviceView, statsSources } from './view.ts';

export interface ServedProcess {
  readonly app: FastifyInstance;
  readonly parts: readonly RolePart[];
  /** Stops accepting, then stops each part upstream first, so nothing is left mid-way. */
  stop(): Promise<void>;
}

export type StartRole = (role: RoleName, deps: RoleDeps) => Promise<RolePart>;

/**
 * `roles` in start order: downstream first, so a part starts once what it feeds is running; it
 * stops in the reverse order. A part that fails to start stops the ones already running.
 */
export async function serveRoles(
  config: Config,
  logger: Logger,
  roles: readonly RoleName[],
  start: StartRole,
): Promise<ServedProcess> {
  const parts: RolePart[] = [];
  let syslog: SyslogServer | undefined;
  const sources = statsSources(parts, () => syslog?.stats());
  const metrics = createMetrics(sources);
  const upstreamFirst = () => [...parts].reverse();
  const abandon = async (err: unknown): Promise<never> => {
    for (const part of upstreamFirst()) await part.stop(Date.now()).catch(() => undefined);
    throw err;
  };

  for (const role of roles) parts.push(await start(role, { config, logger, metrics }).catch(abandon));
  let draining = false;
  const app = buildApp({
    bodyLimitBytes: config.http.bodyLimitBytes,
    requestTimeoutMs: config.http.requestTimeoutSecs * 1000,
    connections: { max: config.http.maxConnections, perClient: config.http.maxConnectionsPerClient },
    auth: config.auth,
    logger: logger.child({ stage: 'http' }),
    metrics,
    view: serviceView(upstreamFirst(), sources, () => draining, config.kafka.brokers !== undefined),
  });
  await app.listen({ port: config.http.port, host: config.http.host }).catch(abandon);
  const ingest = find(parts, 'ingest');
  let otlpPort: OtlpPort | undefined;
  if (config.http.otlpPort !== 0 && ingest !== undefined) {
    otlpPort = await listenOtlpPort(app, {
      port: config.http.otlpPort,
      host: config.http.host,
      requestTimeoutMs: config.http.requestTimeoutSecs * 1000,
      connections: { max: config.http.maxConnections, perClient: config.http.maxConnectionsPerClient },
      onRefused: (because) => metrics.connectionsRefused.labels(because).inc(),
    }).catch(async (err: unknown) => {
      await app.close();
      return abandon(err);
    });
  }
  if (config.syslog.port !== 0 && ingest === undefined) {
    logger.info('SYSLOG_PORT is set but this process runs no ingest stage: the ingest role serves syslog');
  } else if (config.syslog.port !== 0 && ingest !== undefined) {
    syslog = await startSyslog(config.syslog, ingest, logger.child({ stage: 'syslog' })).catch(
      async (err: unknown) => {
        await app.close();
        return abandon(err);
      },
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    app,
    parts,
    stop() {
      stopping ??= (async () => {
        const deadline = Date.now() + config.shutdownTimeoutSecs * 1000;
        draining = true;
        // Syslog has no answer to refuse with: what it has read goes in before ingest closes.
        await syslog?.stop();
        ingest?.close();
        await otlpPort?.close();
        await app.close();
        for (const part of upstreamFirst()) await part.stop(deadline);
      })();
      return stopping;
    },
  };
}
