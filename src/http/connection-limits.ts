/**
 * Caps on open connections, in all and per client address, checked as each connection is
 * accepted. A connection over a cap gets a one-line HTTP answer and is closed before its
 * request is read: 503 (the service's cap; every client waits) or 429 (this address's cap:
 * it holds too many at once), both with Retry-After and a JSON body in the API's error shape.
 * Node's own server.maxConnections would drop the socket without a word.
 */
import type { Server, Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections at most; 0: no cap. */
  readonly max: number;
  /** Open connections from one client address at most; 0: no cap (e.g. behind a proxy). */
  readonly perClient: number;
}

export type RefusedBecause = 'total' | 'per_client';

const ANSWERS: Record<RefusedBecause, { status: string; code: string; message: string }> = {
  total: {
    status: '503 Service Unavailable',
    code: 'TOO_MANY_CONNECTIONS',
    message: 'the service holds as many connections as it takes (INGEST_MAX_CONNECTIONS): retry later',
  },
  per_client: {
    status: '429 Too Many Requests',
    code: 'TOO_MANY_CONNECTIONS_FROM_CLIENT',
    message:
      'this address holds as many connections as one client may (INGEST_MAX_CONNECTIONS_PER_CLIENT): reuse them, or retry later',
  },
};

export function limitConnections(
  server: Server,
  limits: ConnectionLimits,
  onRefused: (because: RefusedBecause) => void,
): void {
  if (limits.max === 0 && limits.perClient === 0) return;
  let open = 0;
  const byAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const mine = byAddress.get(address) ?? 0;
    const because: RefusedBecause | undefined =
      limits.max > 0 && open >= limits.max
        ? 'total'
        : limits.perClient > 0 && mine >= limits.perClient
          ? 'per_client'
          : undefined;
    if (because !== undefined) {
      onRefused(because);
      refuse(socket, because);
      return;
    }
    open++;
    byAddress.set(address, mine + 1);
    socket.once('close', () => {
      open--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left === 0) byAddress.delete(address);
      else byAddress.set(address, left);
    });
  });
}

function refuse(socket: Socket, because: RefusedBecause): void {
  // Not read: the request never reaches the routes.
  socket.pause();
  const { status, code, message } = ANSWERS[because];
  const statusCode = Number(status.slice(0, 3));
  const body = JSON.stringify({ statusCode, error: status.slice(4), code, message });
  const answer =
    `HTTP/1.1 ${status}\r\nRetry-After: 1\r\nConnection: close\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  socket.write(answer, () => socket.destroy());
  // A client that reads nothing must not keep the socket either.
  setTimeout(() => socket.destroy(), 1000).unref();
}
