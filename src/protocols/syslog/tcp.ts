/**
 * The syslog TCP listener. Bounded like the HTTP server: connections in all and per client
 * address (one more is closed at accept: syslog has no way to say why), a frame that must
 * arrive whole within SYSLOG_FRAME_TIMEOUT_SECS (a sender that stalls mid-frame, or trickles
 * one that never ends, is closed), a connection that sends nothing for SYSLOG_IDLE_TIMEOUT_SECS
 * is closed, and no frame is held beyond SYSLOG_MAX_MESSAGE_BYTES (framing.ts). Time the
 * service itself stops reading a socket (backpressure, feed.ts) is not counted against it.
 */
import net from 'node:net';
import type { SyslogConfig } from '../../config.ts';
import { SyslogFeed, type FeedDeps } from './feed.ts';
import { FrameDecoder } from './framing.ts';
import { peerAddress } from './parse.ts';

interface Connection {
  readonly socket: net.Socket;
  readonly feed: SyslogFeed;
  lastDataAt: number;
  /** When the frame in progress began; undefined between frames. */
  frameSince: number | undefined;
}

export interface TcpListener {
  readonly port: number;
  /** Stops accepting and reading, hands on what was read, closes every connection. */
  stop(): Promise<void>;
}

export async function listenTcp(config: SyslogConfig, deps: FeedDeps): Promise<TcpListener> {
  const { stats, logger, now } = deps;
  const open = new Set<Connection>();
  const byAddress = new Map<string, number>();
  const idleMs = config.idleTimeoutSecs * 1000;
  const frameMs = config.frameTimeoutSecs * 1000;

  const server = net.createServer({ keepAlive: true, keepAliveInitialDelay: 60_000 }, (socket) => {
    const peer = peerAddress(socket.remoteAddress);
    const mine = byAddress.get(peer) ?? 0;
    if (
      (config.maxConnections > 0 && open.size >= config.maxConnections) ||
      (config.maxConnectionsPerClient > 0 && mine >= config.maxConnectionsPerClient)
    ) {
      stats.connectionsRefused++;
      socket.destroy();
      return;
    }
    byAddress.set(peer, mine + 1);
    const decoder = new FrameDecoder(config.maxMessageBytes);
    const feed = new SyslogFeed(deps, { pause: () => socket.pause(), resume: () => socket.resume() });
    const conn: Connection = { socket, feed, lastDataAt: now(), frameSince: undefined };
    open.add(conn);
    stats.connections++;
    const sink = {
      frame: (bytes: Buffer) => feed.add(bytes, peer),
      oversized: () => {
        stats.received++;
        stats.oversized++;
      },
    };
    socket.on('data', (chunk: Buffer) => {
      const at = now();
      conn.lastDataAt = at;
      const before = decoder.completed;
      if (decoder.push(chunk, sink) !== undefined) {
        // An octet count over the limit: where the next frame starts cannot be known.
        stats.received++;
        stats.oversized++;
        logger.warn(
          { peer },
          'a syslog frame declared more than SYSLOG_MAX_MESSAGE_BYTES: connection closed',
        );
        socket.destroy();
        return;
      }
      if (!decoder.midFrame) conn.frameSince = undefined;
      else if (conn.frameSince === undefined || decoder.completed !== before) conn.frameSince = at;
    });
    // A reset or a write to a closed peer: the close below tidies up.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      stats.connections--;
      // What was read is handed on, waiting out the service as the open socket would. Until
      // then it keeps its place under the caps: what closed connections hold stays bounded.
      void feed.drain().then(() => {
        open.delete(conn);
        const left = (byAddress.get(peer) ?? 1) - 1;
        if (left === 0) byAddress.delete(peer);
        else byAddress.set(peer, left);
      });
    });
  });

  const sweep = setInterval(
    () => {
      const at = now();
      for (const conn of open) {
        if (conn.socket.destroyed) continue;
        if (conn.feed.holding) {
          // The service is not reading: the sender is not idle, nor slow.
          conn.lastDataAt = at;
          if (conn.frameSince !== undefined) conn.frameSince = at;
        } else if (
          at - conn.lastDataAt > idleMs ||
          (conn.frameSince !== undefined && at - conn.frameSince > frameMs)
        ) {
          stats.connectionsTimedOut++;
          conn.socket.destroy();
        }
      }
    },
    Math.max(50, Math.min(1000, Math.floor(Math.min(idleMs, frameMs) / 4))),
  );
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    clearInterval(sweep);
    throw err;
  });
  server.on('error', (err) => logger.error({ err }, 'syslog TCP listener error'));
  const address = server.address();

  return {
    port: typeof address === 'object' && address !== null ? address.port : config.port,
    async stop() {
      clearInterval(sweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const conn of open) conn.socket.pause();
      await Promise.all([...open].map((conn) => conn.feed.finish()));
      for (const conn of open) conn.socket.destroy();
      await closed;
    },
  };
}
