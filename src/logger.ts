import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormatSetting } from './config.ts';

export type { Logger };

/** How the lines are written: JSON (for log shippers) or readable text (for a person at a terminal). */
export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT `auto` (the default): readable text when stdout is a terminal, where a person reads
 * it; JSON lines when it is a pipe or a file, where a log shipper parses it. `json` and
 * `pretty` override: a terminal that feeds a shipper, or a person reading `docker logs`.
 */
export function chooseLogFormat(setting: LogFormatSetting, stdoutIsTerminal: boolean): LogFormat {
  if (setting === 'auto') return stdoutIsTerminal ? 'pretty' : 'json';
  return setting;
}

/**
 * pino-pretty as a stream in this thread (pino's pretty transport, without the worker thread a
 * `transport` target runs in): `sync` so the last lines before process.exit, such as why the
 * start failed or that draining finished, are written, not lost with the worker.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return pretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The same on every line of this process: noise on a terminal (the JSON lines keep them).
    ignore: 'pid,hostname,service',
    ...(destination === undefined ? {} : { destination }),
  });
}

/**
 * The one root logger. Stages take a child (`logger.child({ stage: 'store' })`).
 * Log lines and prompts never go to info level; secrets are redacted by path.
 * `destination`: where the lines go (default stdout); tests pass a stream to read them.
 * `format`: JSON lines (default) or readable text (see chooseLogFormat).
 */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  format: LogFormat = 'json',
): Logger {
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
  return pino(options, format === 'pretty' ? prettyStream(destination) : destination);
}
