import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The broker these tests run against. Missing is a failure, not a skip: a green run that never
 * talked to Kafka would hide exactly the bugs these tests exist for.
 */
export function kafkaBrokers(): string[] {
  const v = process.env['KAFKA_BROKERS'];
  if (v === undefined || v.trim() === '') {
    throw new Error(
      'KAFKA_BROKERS is not set: start the local broker with `npm run kafka:up` and run `export $(npm run -s kafka:up | tail -n 1)`',
    );
  }
  return v.split(',').map((s) => s.trim());
}

export const uniqueTopic = () => `t-${randomUUID()}`;

/** Polls `cond` until it holds; rejects after `ms` with `what` so a hang names what it waited for. */
export async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
