import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { createLogger } from '../logger.ts';
import { startStandalone } from '../roles/standalone.ts';

/** `npm start`: the standalone service. SIGTERM/SIGINT drain everything, then exit 0. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`log-ingest: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const service = await startStandalone(config, logger);
  const address = service.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.http.port;
  logger.info(
    {
      port,
      host: config.http.host,
      storage: config.clickhouse.url ?? `embedded (${config.clickhouse.dataDir})`,
    },
    `log-ingest listening on http://${config.http.host}:${port}`,
  );

  let signals = 0;
  const shutdown = (signal: string): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    logger.info({ signal }, 'draining: no new logs accepted; flushing queues and buffers');
    service.stop().then(
      () => {
        logger.info('stopped cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`log-ingest: invalid configuration: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`log-ingest: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
