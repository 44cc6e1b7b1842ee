import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GenerateStats } from '../generate/stage.ts';
import type { IngestStage } from '../ingest/index.ts';
import type { Logger } from '../logger.ts';
import type { MatchStats } from '../match/stage.ts';
import type { Metrics } from '../metrics.ts';
import { installErrorHandler } from './errors.ts';
import { registerIngestRoutes } from './routes/ingest.ts';
import { registerReadRoutes } from './routes/read.ts';
import { registerStatusRoutes } from './routes/status.ts';

export interface LogsQuery {
  org: string;
  templateId: number | undefined;
  q: string | undefined;
  from: number | undefined;
  to: number | undefined;
  limit: number;
  cursor: string | undefined;
}

export interface StoreStatsView {
  bufferedRows: number;
  inFlightRows: number;
  bufferMaxRows: number;
  flushes: number;
  flushedRows: number;
  writeErrors: number;
  failing: boolean;
  lastError?: string | undefined;
}

/** What the HTTP layer sees of the running service: stages' stats and the read queries. */
export interface ServiceView {
  ingest: IngestStage;
  match: { stats(): MatchStats };
  generate: { stats(): GenerateStats };
  store: { stats(): StoreStatsView };
  generatorName: string;
  generateQueueMax: number;
  storageHealth(): Promise<{ connected: boolean; reason?: string | undefined }>;
  draining(): boolean;
  reads: {
    listTemplates(org: string): Promise<unknown[]>;
    queryLogs(query: LogsQuery): Promise<{ logs: unknown[]; nextCursor: string | null }>;
  };
}

export interface AppOptions {
  bodyLimitBytes: number;
  logger: Logger;
  metrics: Metrics;
  view: ServiceView;
}

export function buildApp(options: AppOptions): FastifyInstance {
  // Typed as Fastify's logger interface so the instance keeps Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // A log line per request would cost more than ingesting the request's logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    // Keep-alive sockets would hold `close()` open on shutdown.
    forceCloseConnections: 'idle',
  });
  installErrorHandler(app, options.logger);
  app.addHook('onResponse', (request, reply, done) => {
    options.metrics.httpRequests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
    done();
  });
  registerIngestRoutes(app, options.view.ingest, options.bodyLimitBytes);
  registerStatusRoutes(app, options.view, options.metrics);
  registerReadRoutes(app, options.view);
  return app;
}
