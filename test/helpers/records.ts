import type { LogRecord } from '../../src/model/log.ts';

/** A log as it arrives, of org acme at INFO with no other fields, for tests that care about its message. */
export function logRecord(message: string, fields: Partial<LogRecord> = {}): LogRecord {
  return {
    timestamp: 0,
    org: 'acme',
    dashboard: '',
    service: '',
    host: '',
    level: 'INFO',
    message,
    metadata: {},
    ...fields,
  };
}

/** Resolves once `condition` holds, checking every 5 ms (the test's own timeout bounds the wait). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
