/**
 * The matcher role: logs.raw → matched (to the writer) and unmatched (to the generator), in one
 * Kafka transaction per partition batch with its offsets (transport/kafka/transform.ts), so a
 * matcher killed at any point leaves each log in exactly one of the two topics. It reads the
 * templates topic from the beginning and is ready, and consumes logs.raw, only after reaching
 * its end. It never loads the storage engine.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { lineFieldsFor } from '../ingest/line-fields.ts';
import { startMatch } from '../match/stage.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import { admitLog, giveRowIds } from '../transport/kafka/admit.ts';
import { KafkaOutbox } from '../transport/kafka/outbox.ts';
import { decodeRawRecord } from '../transport/kafka/raw-formats.ts';
import { startTransform, type RunningTransform } from '../transport/kafka/transform.ts';
import { connectKafka, serdes, templatesTopic, transactionalId } from '../transport/kafka/connect.ts';
import type { RolePart } from './part.ts';

export async function startMatcherRole(config: Config, logger: Logger): Promise<RolePart> {
  const { topics, groups } = config.kafka;
  const kafka = await connectKafka(config, 'matcher');
  const templates = templatesTopic(kafka, config, logger);
  const out = {
    matched: new KafkaOutbox<StoredLog>(topics.matched, serdes.storedLog()),
    unmatched: new KafkaOutbox<LogRecord>(topics.unmatched, serdes.logRecord()),
  };
  const match = startMatch({
    channels: { ...out, templates },
    orgIdleUnloadSecs: config.orgs.idleUnloadSecs,
    initial: [],
    logger: logger.child({ stage: 'match' }),
  });
  const serde = serdes.logRecord();
  // A direct producer's log without a timestamp or level is read like an HTTP one; the ingest
  // role's own records always carry both, so this never reads them twice.
  const readLines = lineFieldsFor(config.lineFields);
  let ready = false;
  let transform: RunningTransform | undefined;
  let failed: string | undefined;
  let stopping = false;
  const started = (async () => {
    await templates.caughtUp;
    if (stopping) return;
    ready = true;
    logger.info({ templates: match.stats().templatesLoaded }, 'templates topic read to its end: matching');
    transform = await startTransform({
      kafka,
      topic: topics.raw,
      serde,
      groupId: groups.matcher,
      transactionalId: transactionalId(config, 'matcher'),
      instanceId: transactionalId(config, 'matcher'),
      deadLetterTopic: topics.deadLetter,
      logger,
      // A service may produce straight to logs.raw, as Avro, a JSON log or OTLP: each log is
      // then checked like an HTTP one.
      decodeAll: (m) => decodeRawRecord(m, serde) as LogRecord[],
      admit: (log) => admitLog(log, config.limits, readLines),
      handle: (logs, origin) => {
        giveRowIds(logs, origin);
        match.route(logs);
        return Promise.resolve([...out.matched.take(), ...out.unmatched.take()]);
      },
    });
    transform.consumer.done.catch((err: unknown) => {
      failed = err instanceof Error ? err.message : String(err);
      logger.error({ err }, 'the matcher stopped consuming');
    });
  })();
  started.catch((err: unknown) => {
    failed = err instanceof Error ? err.message : String(err);
    logger.error({ err }, 'the matcher could not start');
  });
  return {
    role: 'matcher',
    match: () => match.stats(),
    kafka: () => ({ templatesCaughtUp: ready, ...transform?.stats() }),
    notReady: () => {
      if (failed !== undefined) return `stopped: ${failed}`;
      if (!ready) return 'reading the templates topic';
      if (transform === undefined) return 'joining the consumer group';
      return undefined;
    },
    async stop() {
      stopping = true;
      // Still reading the templates topic: closing it is what ends the wait.
      if (!ready) await templates.close();
      await started.catch(() => undefined);
      await transform?.consumer.close();
      await templates.close();
      match.stop();
      await kafka.close();
    },
  };
}
