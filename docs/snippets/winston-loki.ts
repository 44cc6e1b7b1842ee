import winston from 'winston';
import LokiTransport from 'winston-loki';

/** `url`: the service, e.g. http://log-ingest:3002 (winston-loki adds /loki/api/v1/push); `key`: a one-org API key. */
export function createLogger(url: string, key: string): winston.Logger {
  return winston.createLogger({
    transports: [
      new LokiTransport({
        host: url,
        basicAuth: `app:${key}`, // any user name: the password is the key
        labels: { app: 'checkout', env: 'prod' }, // app is stored as service, env in metadata
        format: winston.format.printf(({ message }) => String(message)), // the line: the message alone
        onConnectionError: (err) => console.error(err),
      }),
    ],
  });
}
