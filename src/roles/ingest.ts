/**
 * The ingest role: the HTTP API in front of `logs.raw`. A request is answered only after every
 * in-sync replica has its logs; a broker that is away or a full producer gives 503 with
 * Retry-After, so a client never believes a log was taken that was not.
 */
import type { Config } from '../config.ts';
import { AppError, OverloadedError } from '../errors.ts';
import { lineFieldsFor } from '../ingest/line-fields.ts';
import { startIngest } from '../ingest/stage.ts';
import { orgCeiling } from '../quota/org-ceiling.ts';
import { orgRateLimit } from '../quota/token-buckets.ts';
import type { Logger } from '../logger.ts';
import type { LogRecord } from '../model/log.ts';
import { newRowIds } from '../model/row-id.ts';
import { startStore } from '../store/stage.ts';
import { KafkaChannel } from '../transport/kafka/channel.ts';
import { connectKafka, serdes } from '../transport/kafka/connect.ts';
import { syslogOrgs, type RolePart } from './part.ts';

/** Seconds a client waits after the broker refused: about the client's reconnect interval. */
const RETRY_AFTER_SECS = 2;
/** Attempts, a second apart, before a request gets 503 while the broker is away. */
const PRODUCE_RETRIES = 5;

export async function startIngestRole(config: Config, logger: Logger): Promise<RolePart> {
  const kafka = await connectKafka(config, 'ingest');
  const raw = new KafkaChannel<LogRecord>({
    kafka,
    topic: config.kafka.topics.raw,
    serde: serdes.logRecord(),
    deadLetterTopic: config.kafka.topics.deadLetter,
    // An idempotent producer otherwise retries for as long as the broker is away, and the
    // client would wait with it; a few seconds, then 503.
    produceRetries: PRODUCE_RETRIES,
    logger,
  });
  let pending = 0;
  let brokerErrors = 0;
  const ingest = startIngest({
    limits: config.limits,
    maxLogsPerRequest: config.limits.maxLogsPerRequest,
    rateLimit: orgRateLimit(config.rateLimit),
    // Orgs taken by this process since its start: the matchers' memory is bounded by the
    // generators' template ceilings; this bounds what one ingest process lets in.
    orgs: orgCeiling(config.orgs, config.auth.keys, [], syslogOrgs(config)),
    lineFieldsFor: lineFieldsFor(config.lineFields),
    async route(logs) {
      pending += logs.length;
      // The row id is fixed here, before the log leaves: storage and a later replay agree on it.
      const ids = newRowIds(logs.length);
      for (let i = 0; i < logs.length; i++) (logs[i] as LogRecord).id = ids[i] as string;
      try {
        await raw.publish(logs);
      } catch (err) {
        brokerErrors++;
        const reason = err instanceof AppError ? err.message : String(err);
        logger.warn({ err: reason, logs: logs.length }, 'the broker did not take a request: answered 503');
        throw new OverloadedError(`the Kafka broker did not take the logs (${reason})`, RETRY_AFTER_SECS);
      } finally {
        pending -= logs.length;
      }
      // Matching happens downstream, after the answer.
      return 0;
    },
    whyNoRoom: () =>
      pending + 1 > config.kafka.producePendingMaxLogs
        ? 'too many logs are waiting for the Kafka broker to acknowledge them'
        : undefined,
    retryAfterSecs: RETRY_AFTER_SECS,
  });
  // Reads need storage; only a ClickHouse server can be shared with the writer role.
  const store =
    config.clickhouse.url === undefined
      ? undefined
      : await startStore(config.clickhouse, { logger: logger.child({ stage: 'store' }) });
  return {
    role: 'ingest',
    ingest,
    ...(store === undefined
      ? {}
      : { store: { store, stats: () => ({ ...store.writer.stats(), bufferMaxRows: 0 }) } }),
    kafka: () => ({ pendingLogs: pending, brokerErrors }),
    async stop() {
      ingest.close();
      await raw.close();
      await kafka.close();
      await store?.stop();
    },
  };
}
