import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The one root logger. Stages take a child (`logger.child({ stage: 'store' })`).
 * Log lines and prompts never go to info level; secrets are redacted by path.
 * `destination`: where the JSON lines go (default stdout); tests pass a stream to read them.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'log-ingest' },
    redact: {
      paths: [
        '*.password',
        '*.apiKey',
        '*.api_key',
        'config.clickhouse.password',
        'config.llm.apiKey',
        // API keys: the configured ones, and the header that carries one.
        'config.auth.keys',
        'auth.keys',
        'req.headers.authorization',
        'headers.authorization',
        '*.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
  return pino(options, destination);
}
