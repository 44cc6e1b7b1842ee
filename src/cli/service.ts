import { loadConfig, ROLES, type Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { chooseLogFormat, createLogger, type Logger } from '../logger.ts';
import type { RunningProcess } from '../roles/running.ts';
import { startLine } from './start-line.ts';

const USAGE = `usage: log-ingest [${ROLES.join('|')}]   (or ROLE=...; default all)`;

/**
 * `npm start [-- role]`: the standalone service, or with KAFKA_BROKERS one Kafka-mode role (or
 * all of them). SIGTERM/SIGINT drain everything, then exit 0.
 */
async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig(arg === undefined ? process.env : { ...process.env, ROLE: arg });
  const logger = createLogger(
    config.logLevel,
    undefined,
    chooseLogFormat(config.logFormat, process.stdout.isTTY === true),
  );
  const running = await start(config, logger);
  const line = startLine(config.http.host, running.port, running.description, running.page);
  logger.info({ ...line.fields, role: config.role, mode: running.description }, line.message);

  let signals = 0;
  const shutdown = (signal: string): void => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    logger.info({ signal }, 'draining: no new logs accepted; flushing queues and buffers');
    running.stop().then(
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

/**
 * A Kafka-mode matcher alone starts without the Fastify app and what it imports (the API's
 * routes, the storage and LLM clients of standalone): imported here only when chosen, since a
 * module loaded is memory held (docs/benchmarks.md, "A lean matcher").
 */
async function start(config: Config, logger: Logger): Promise<RunningProcess> {
  if (config.kafka.brokers !== undefined && config.role === 'matcher') {
    return (await import('../roles/serve-matcher.ts')).serveMatcher(config, logger);
  }
  return (await import('../roles/index.ts')).startProcess(config, logger);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`log-ingest: invalid configuration: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`log-ingest: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
