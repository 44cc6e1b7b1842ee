/**
 * The ClickHouse writer role of Kafka mode: logs.matched → storage, exactly once (the logic and
 * the argument are in store/kafka-writer.ts). Wiring only. This process owns the store, which
 * the embedded engine requires of exactly one process.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { StoredLog } from '../model/log.ts';
import { startKafkaWriter, type KafkaWriter } from '../store/kafka-writer.ts';
import { startStore, type Store } from '../store/index.ts';
import { AvroCodec } from '../transport/avro/codec.ts';
import { createKafka } from '../transport/kafka/client.ts';
import { ensureTopics } from '../transport/kafka/topics.ts';

export interface RunningWriter {
  readonly store: Store;
  readonly writer: KafkaWriter;
  stop(): Promise<void>;
}

export async function startWriterRole(config: Config, logger: Logger): Promise<RunningWriter> {
  const brokers = config.kafka.brokers;
  if (brokers === undefined) throw new Error('the writer role needs KAFKA_BROKERS');
  const kafka = createKafka({ brokers, clientId: `${config.kafka.clientId}-writer` });
  const store = await startStore(config.clickhouse, { logger: logger.child({ stage: 'store' }) });
  try {
    await ensureTopics(kafka.admin, config.kafka);
    const writer = await startKafkaWriter({
      kafka,
      store,
      codec: AvroCodec.load<StoredLog>('stored-log'),
      topic: config.kafka.topics.matched,
      groupId: config.kafka.groups.writer,
      deadLetterTopic: config.kafka.topics.deadLetter,
      batchSize: config.clickhouse.bufferSize,
      retryInitialBackoffMs: config.clickhouse.retryInitialBackoffMs,
      retryMaxBackoffMs: config.clickhouse.retryMaxBackoffMs,
      logger: logger.child({ stage: 'kafka-writer' }),
    });
    return {
      store,
      writer,
      async stop() {
        await writer.close();
        await kafka.close();
        await store.stop();
      },
    };
  } catch (err) {
    await kafka.close().catch(() => undefined);
    await store.stop().catch(() => undefined);
    throw err;
  }
}
