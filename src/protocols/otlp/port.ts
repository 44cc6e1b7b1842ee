/**
 * OTLP/HTTP's standard port (4318, OTLP_HTTP_PORT): a second listener that serves POST /v1/logs
 * alone, through the same Fastify app (its auth, limits, error answers and ingest stage), so an
 * OpenTelemetry Collector or SDK pointed at host:4318 needs no path or port settings. Every
 * other path there is a 404: the JSON API stays on INGEST_PORT. Bounded like the main port:
 * request timeout and connection caps.
 */
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import {
  limitConnections,
  type ConnectionLimits,
  type RefusedBecause,
} from '../../http/connection-limits.ts';

export interface OtlpPort {
  readonly port: number;
  close(): Promise<void>;
}

export async function listenOtlpPort(
  app: FastifyInstance,
  o: {
    port: number;
    host: string;
    requestTimeoutMs: number;
    connections: ConnectionLimits;
    onRefused: (because: RefusedBecause) => void;
  },
): Promise<OtlpPort> {
  const server = http.createServer(
    {
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: o.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, o.requestTimeoutMs),
    },
    (req, res) => {
      const path = (req.url ?? '').split('?', 1)[0];
      if (path === '/v1/logs') {
        app.routing(req, res);
        return;
      }
      // A google.rpc.Status, as the OTLP route answers its errors (5: NOT_FOUND).
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 5, message: 'NOT_FOUND: this port serves POST /v1/logs only' }));
    },
  );
  limitConnections(server, o.connections, o.onRefused);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : o.port,
    close: () =>
      new Promise<void>((resolve) => {
        // Requests in flight finish; idle keep-alive connections would hold close() open.
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
