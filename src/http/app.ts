import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiKeyConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/prometheus.ts';
import { buildKeyTable } from './api-keys.ts';
import { installAuth } from './auth.ts';
import { limitConnections, type ConnectionLimits } from './connection-limits.ts';
import { installErrorHandler } from './errors.ts';
import { redirectBrowsersToPage } from './home.ts';
import { registerOpenApi } from './openapi.ts';
import { PROTOCOLS } from '../protocols/index.ts';
import { registerProtocols } from '../protocols/scope.ts';
import { registerIngestRoutes } from './routes/ingest.ts';
import { registerCurationRoutes } from './routes/curation.ts';
import { registerReadRoutes } from './routes/read.ts';
import { registerStatusRoutes } from './routes/status.ts';
import { registerUiRoutes } from './routes/ui.ts';
import type { ServiceView } from './view.ts';

export interface AppOptions {
  bodyLimitBytes: number;
  /** Headers and body within this long, or 408 (INGEST_REQUEST_TIMEOUT_SECS); default 30 s. */
  requestTimeoutMs?: number;
  /** Caps on open connections (INGEST_MAX_CONNECTIONS*); default: none. */
  connections?: ConnectionLimits;
  /** The API keys (config.auth); none: the API is open, and a warning says so. */
  auth: { keys: readonly ApiKeyConfig[] };
  logger: Logger;
  metrics: Metrics;
  view: ServiceView;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function buildApp(options: AppOptions): FastifyInstance {
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Typed as Fastify's logger interface so the instance keeps Fastify's default generics.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    // A log line per request would cost more than ingesting the request's logs.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: with redaction configured, pino's child() was a
    // measurable share of a single-log request. Errors are logged with their context.
    childLoggerFactory: (logger) => logger,
    bodyLimit: options.bodyLimitBytes,
    // Keep-alive sockets would hold `close()` open on shutdown.
    forceCloseConnections: 'idle',
    // A request whose headers and body have not all arrived in time gets 408 and its
    // connection closed (Fastify's default, 0, also turns off Node's own): a client that
    // sends 14 of the 1,000 bytes it announced must not hold a connection for ever. Node
    // checks every connectionsCheckingInterval; the headers' own limit may not exceed it.
    requestTimeout: requestTimeoutMs,
    http: {
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    },
  });
  limitConnections(app.server, options.connections ?? { max: 0, perClient: 0 }, (because) =>
    options.metrics.connectionsRefused.labels(because).inc(),
  );
  installErrorHandler(app, options.logger);
  const keys = buildKeyTable(options.auth.keys);
  if (keys === undefined) {
    options.logger.warn(
      'no API keys configured (INGEST_API_KEYS, INGEST_API_KEYS_FILE): anyone who can reach this port can write and read every org; acceptable on loopback or a trusted network only',
    );
  }
  // Before the key check: a browser opening the service's address is sent to the page.
  redirectBrowsersToPage(app);
  // Before the routes, so it runs first on every one of them.
  installAuth(app, keys);
  // prom-client hashes a label object on every inc(); one child per route and status
  // is looked up by a plain string instead.
  const requestCounters = new Map<string, { inc(): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let counter = requestCounters.get(key);
    if (counter === undefined) {
      counter = options.metrics.httpRequests.labels(request.method, route, String(reply.statusCode));
      requestCounters.set(key, counter);
    }
    counter.inc();
    done();
  });
  // The OpenAPI description (GET /docs/json, the UI at /docs) is made from the route schemas.
  registerOpenApi(app);
  // Plugins load when the app is readied (listen, inject, ready); declaring the routes in
  // after() puts them behind the swagger plugin, so its onRoute hook sees every one. They stay
  // in the root context, as before (no encapsulation).
  app.after((err) => {
    if (err !== null) throw err;
    const ingest = options.view.ingest;
    if (ingest !== undefined) {
      registerIngestRoutes(app, ingest, options.bodyLimitBytes, options.view.threads);
      registerProtocols(
        app,
        { ingest, bodyLimit: options.bodyLimitBytes, logger: options.logger },
        PROTOCOLS,
      );
    }
    registerStatusRoutes(app, options.view, options.metrics);
    registerReadRoutes(app, options.view);
    if (options.view.curation !== undefined) registerCurationRoutes(app, options.view.curation);
    registerUiRoutes(app);
  });
  return app;
}
