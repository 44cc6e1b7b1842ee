/**
 * The syslog input: TCP and UDP on SYSLOG_PORT, every message to SYSLOG_ORG through the
 * ingest stage. Started and stopped by the assembly (roles/serve.ts) where a process runs the
 * ingest stage; stopped before the stage closes, so what was read is handed on.
 */
import type { SyslogConfig } from '../../config.ts';
import { zeroStats } from '../../counters.ts';
import type { IngestStage } from '../../ingest/stage.ts';
import type { Logger } from '../../logger.ts';
import { SYSLOG_COUNTERS, type SyslogStats } from './counters.ts';
import type { FeedDeps } from './feed.ts';
import { listenTcp } from './tcp.ts';
import { listenUdp } from './udp.ts';

export type { SyslogStats } from './counters.ts';

export interface SyslogServer {
  /** The TCP and UDP port (the same one). */
  readonly port: number;
  stats(): SyslogStats;
  stop(): Promise<void>;
}

export async function startSyslog(
  config: SyslogConfig,
  ingest: IngestStage,
  logger: Logger,
  now: () => number = Date.now,
): Promise<SyslogServer> {
  const stats: SyslogStats = { ...zeroStats(SYSLOG_COUNTERS) };
  const deps: FeedDeps = { ingest, org: config.org, stats, logger, now };
  const tcp = await listenTcp(config, deps);
  const udp = await listenUdp(config, deps, tcp.port).catch(async (err: unknown) => {
    await tcp.stop();
    throw err;
  });
  logger.info(
    { host: config.host, port: tcp.port, org: config.org },
    'syslog listening on TCP and UDP (unauthenticated: bind it to a trusted network)',
  );
  let stopping: Promise<void> | undefined;
  return {
    port: tcp.port,
    stats: () => ({ ...stats }),
    stop() {
      stopping ??= Promise.all([tcp.stop(), udp.stop()]).then(() => undefined);
      return stopping;
    },
  };
}
