/**
 * The ClickHouse writer role of Kafka mode: logs.matched → storage, exactly once (the logic and
 * the argument are in transport/kafka/store-writer.ts and store/exactly-once.ts), and the templates topic → the templates table.
 * This process owns the store, which the embedded engine requires of exactly one process, so it
 * also serves the read API. Wiring only.
 */
import { rateJumpSignal } from '../signals/rate-jumps.ts';
import { CurationService } from '../curate/service.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { admitLog } from '../transport/kafka/admit.ts';
import { startKafkaWriter } from '../transport/kafka/store-writer.ts';
import { startStore } from '../store/stage.ts';
import { AvroCodec } from '../transport/kafka/avro/codec.ts';
import { connectKafka, templatesTopic, transactionalId } from '../transport/kafka/connect.ts';
import { handOverStoredTemplates, TopicTemplates } from '../transport/kafka/template-handover.ts';
import type { RolePart } from './part.ts';

export async function startWriterRole(config: Config, logger: Logger): Promise<RolePart> {
  const { topics, groups } = config.kafka;
  const kafka = await connectKafka(config, 'writer');
  const store = await startStore(config.clickhouse, { logger: logger.child({ stage: 'store' }) }).catch(
    async (err: unknown) => {
      await kafka.close();
      throw err;
    },
  );
  // Every start saves the whole topic again: the templates table is a ReplacingMergeTree on
  // (org, id), so that costs one insert and leaves no offsets to lose. A tombstone only stops
  // matching; the stored row stays, since logs stored with the template still refer to it.
  const templates = templatesTopic(kafka, config, logger);
  const onTopic = new TopicTemplates();
  templates.subscribe((changes) => {
    onTopic.see(changes);
    const upserts = changes.flatMap((c) => (c.kind === 'upsert' ? [c.template] : []));
    if (upserts.length > 0) store.saveTemplates(upserts);
    // Curations made through another writer's API; saving one again is the same row.
    const curations = changes.flatMap((c) => (c.kind === 'curate' ? [c.curation] : []));
    if (curations.length > 0) {
      store.curation.saveCurations(curations).catch((err: unknown) => {
        logger.warn(
          { err, count: curations.length },
          'curations from the templates topic not saved; saved again at the next start',
        );
      });
    }
  });
  // Reads join logs to the templates table: until the topic is read and saved, a log read back
  // would show no template text. Not ready till then, as a matcher is till it has read it.
  let templatesSaved = false;
  // Then the stored templates the topic never had (a store the standalone service filled) are
  // published to it, once: start the writer first when moving a store to Kafka mode.
  let handOverFailed: string | undefined;
  let stopping = false;
  templates.caughtUp.then(
    async () => {
      for (let attempt = 0; ; attempt++) {
        if (stopping) return;
        try {
          await handOverStoredTemplates({
            stored: await store.loadTemplates(),
            topic: onTopic,
            publish: (changes) => templates.publish(changes),
            logger,
          });
          handOverFailed = undefined;
          break;
        } catch (err) {
          // Tried again (a template published twice is the same record), not ready meanwhile.
          handOverFailed = err instanceof Error ? err.message : String(err);
          logger.warn({ err, attempt }, 'the stored templates could not be published to the templates topic');
          await sleep(Math.min(1000 * 2 ** attempt, 30_000));
        }
      }
      await store.templatesSaved();
      templatesSaved = true;
    },
    () => undefined,
  );
  try {
    const writer = await startKafkaWriter({
      kafka,
      store,
      codec: AvroCodec.load('stored-log'),
      topic: topics.matched,
      groupId: groups.writer,
      instanceId: transactionalId(config, 'writer'),
      deadLetterTopic: topics.deadLetter,
      batchSize: config.clickhouse.bufferSize,
      // As the standalone writer: a piece is stored when it is full or this old.
      gatherWaitMs: config.clickhouse.flushIntervalSecs * 1000,
      retryInitialBackoffMs: config.clickhouse.retryInitialBackoffMs,
      retryMaxBackoffMs: config.clickhouse.retryMaxBackoffMs,
      logger: logger.child({ stage: 'kafka-writer' }),
      // Matchers and the generator write logs.matched; a service producing there directly is
      // checked like an HTTP client, so no row reaches storage under an org nobody can read.
      admit: (row) => admitLog(row, config.limits),
    });
    let failed: string | undefined;
    writer.done.catch((err: unknown) => {
      failed = err instanceof Error ? err.message : String(err);
      logger.error({ err }, 'the writer stopped consuming');
    });
    const curation = new CurationService({
      store: store.curation,
      publish: (changes) => templates.publish(changes),
      maxTemplatesPerOrg: config.generate.maxTemplatesPerOrg,
    });
    // Every writer checks every org: two writers send the same events, with the same ids.
    const rateJumps = rateJumpSignal(config, store.windows, logger.child({ stage: 'signals' }));
    return {
      role: 'writer',
      curation,
      store: { store, stats: () => ({ ...store.writer.stats(), bufferMaxRows: 0 }) },
      kafka: () => writer.stats(),
      notReady: () => {
        if (failed !== undefined) return `stopped: ${failed}`;
        if (handOverFailed !== undefined) return `stored templates not published: ${handOverFailed}`;
        return templatesSaved ? undefined : 'saving the templates topic';
      },
      async stop() {
        stopping = true;
        rateJumps?.stop();
        await writer.close();
        await templates.close();
        await kafka.close();
        await store.stop();
      },
    };
  } catch (err) {
    stopping = true;
    await templates.close().catch(() => undefined);
    await kafka.close().catch(() => undefined);
    await store.stop().catch(() => undefined);
    throw err;
  }
}
