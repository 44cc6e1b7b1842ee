/**
 * The status routes alone, on node:http: GET /health, /stats and /metrics with the same bodies,
 * codes and key checks as the Fastify app's (status-bodies.ts, api-keys.ts, errors.ts). For a
 * process that takes no request of its own, the Kafka-mode matcher: it answers probes and
 * scrapers only, and Fastify with the HTTP service's routes (the API, /docs, /ui) cost it about
 * 16 MB of its resident memory before any work (docs/benchmarks.md, "A lean matcher").
 *
 * Bounds: no request body is read (every route is a GET; anything else is 404 and the connection
 * is closed after the answer); headers within Node's 16 KiB and within the request timeout; the
 * connection caps of the service (INGEST_MAX_CONNECTIONS*).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ForbiddenError, type AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/prometheus.ts';
import { authenticate, type KeyTable } from './api-keys.ts';
import { limitConnections, type ConnectionLimits } from './connection-limits.ts';
import { describeError, isServiceFailure, STATUS_TEXT } from './errors.ts';
import { healthAnswer, statsAnswer } from './status-bodies.ts';
import type { ServiceView } from './view.ts';

export interface StatusServerOptions {
  readonly port: number;
  readonly host: string;
  /** Headers within this long (INGEST_REQUEST_TIMEOUT_SECS). */
  readonly requestTimeoutMs: number;
  readonly connections: ConnectionLimits;
  /** undefined: no keys configured, /stats is open like the rest. */
  readonly keys: KeyTable | undefined;
  readonly view: ServiceView;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface StatusServer {
  readonly server: Server;
  /** Stops accepting and closes idle connections; resolves when every connection is gone. */
  close(): Promise<void>;
}

type Answer = { status: number; type: string; body: string; headers?: Record<string, string> };

const JSON_TYPE = 'application/json; charset=utf-8';

function json(status: number, body: unknown): Answer {
  return { status, type: JSON_TYPE, body: JSON.stringify(body) };
}

function errorAnswer(err: AppError, logger: Logger): Answer {
  const answer = describeError(err);
  if (isServiceFailure(err, answer)) logger.error({ err }, 'request failed');
  const { status, code, message, extra } = answer;
  return {
    ...json(status, { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', code, message, ...extra }),
    ...(answer.challenge === undefined ? {} : { headers: { 'www-authenticate': answer.challenge } }),
  };
}

async function route(request: IncomingMessage, path: string, o: StatusServerOptions): Promise<Answer> {
  if (path === '/health') {
    const answer = await healthAnswer(o.view);
    return json(answer.status, answer.body);
  }
  if (path === '/metrics') {
    return { status: 200, type: o.metrics.registry.contentType, body: await o.metrics.registry.metrics() };
  }
  // /stats: with keys, one of the read scope (as the app's hook asks of any read).
  const grant =
    o.keys === undefined ? undefined : authenticate(o.keys, request.socket, request.headers.authorization);
  if (grant !== undefined && !grant.read) throw new ForbiddenError('the API key lacks the read scope');
  return json(200, statsAnswer(o.view, grant?.orgs));
}

const ROUTES = new Set(['/health', '/stats', '/metrics']);

export async function listenStatusServer(o: StatusServerOptions): Promise<StatusServer> {
  const counters = new Map<string, { inc(): void }>();
  const count = (method: string, known: boolean, path: string, status: number) => {
    const label = known ? path : 'unknown';
    const key = `${method} ${label} ${status}`;
    let counter = counters.get(key);
    if (counter === undefined) {
      counter = o.metrics.httpRequests.labels(method, label, String(status));
      counters.set(key, counter);
    }
    counter.inc();
  };
  const server = createServer(
    {
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: o.requestTimeoutMs,
      // As the app (http/app.ts): Node checks the timeouts every this long, 30 s by default.
      connectionsCheckingInterval: Math.min(1000, o.requestTimeoutMs),
    },
    (request: IncomingMessage, response: ServerResponse) => {
      const method = request.method ?? '';
      const path = (request.url ?? '').split('?')[0] ?? '';
      const reading = method === 'GET' || method === 'HEAD';
      const known = reading && ROUTES.has(path);
      const answered = known
        ? route(request, path, o).catch((err: unknown) => errorAnswer(err as AppError, o.logger))
        : Promise.resolve(
            json(404, {
              statusCode: 404,
              error: 'Not Found',
              code: 'NOT_FOUND',
              message: `no route ${method} ${path}`,
            }),
          );
      void answered.then((a) => {
        count(method, known, path, a.status);
        // A body sent with a request no route reads is not read either: the connection ends.
        if (!reading) response.setHeader('connection', 'close');
        response.writeHead(a.status, {
          'content-type': a.type,
          'content-length': String(Buffer.byteLength(a.body)),
          ...a.headers,
        });
        response.end(method === 'HEAD' ? undefined : a.body);
      });
    },
  );
  limitConnections(server, o.connections, (because) => o.metrics.connectionsRefused.labels(because).inc());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
