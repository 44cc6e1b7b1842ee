/**
 * The syslog UDP listener: one datagram is one message (RFC 5426). Bounded by the datagram's
 * size (SYSLOG_MAX_MESSAGE_BYTES; larger ones are dropped, counted) and by the feed's batch:
 * UDP cannot slow its sender, so what the service cannot take is dropped and counted.
 */
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { SyslogConfig } from '../../config.ts';
import { SyslogFeed, type FeedDeps } from './feed.ts';
import { peerAddress } from './parse.ts';

export interface UdpListener {
  readonly port: number;
  stop(): Promise<void>;
}

export async function listenUdp(config: SyslogConfig, deps: FeedDeps, port: number): Promise<UdpListener> {
  const socket = dgram.createSocket({ type: isIPv6(config.host) ? 'udp6' : 'udp4' });
  const feed = new SyslogFeed(deps);
  socket.on('message', (datagram, remote) => {
    if (datagram.length > config.maxMessageBytes) {
      deps.stats.received++;
      deps.stats.oversized++;
      return;
    }
    feed.add(datagram, peerAddress(remote.address));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address: config.host }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => deps.logger.error({ err }, 'syslog UDP socket error'));
  return {
    port: socket.address().port,
    async stop() {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await feed.finish();
    },
  };
}
