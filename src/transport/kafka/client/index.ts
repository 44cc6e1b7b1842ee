/**
 * A Kafka client, composed of parts split the way the client SDK splits its own: admin,
 * producer, consumer group, transactions, readers. The SDK (@platformatic/kafka) is imported in
 * this folder only (why this SDK: docs/kafka.md "Client choice").
 */
import { Admin } from '@platformatic/kafka';
import { createAdmin } from './admin.ts';
import { createConsumer, createGatheringConsumer } from './consumer-group.ts';
import { FETCH_MAX_BYTES, type ClientContext } from './context.ts';
import { createProducer } from './producer.ts';
import { readFromBeginning, readRange } from './readers.ts';
import { createTransform } from './transaction.ts';
import type { Kafka, KafkaOptions } from './types.ts';

export type * from './types.ts';

export function createKafka(options: KafkaOptions): Kafka {
  const base = { clientId: options.clientId, bootstrapBrokers: [...options.brokers] };
  const ctx: ClientContext = {
    clientId: options.clientId,
    base,
    fetchMaxBytes: options.fetchMaxBytes ?? FETCH_MAX_BYTES,
    admin: new Admin(base),
    closers: new Set(),
  };
  let closed = false;
  return {
    admin: createAdmin(ctx.admin),
    producer: (producerOptions) => createProducer(ctx, producerOptions),
    consumer: (consumerOptions) => createConsumer(ctx, consumerOptions),
    gather: (gatherOptions) => createGatheringConsumer(ctx, gatherOptions),
    transform: (transformOptions) => createTransform(ctx, transformOptions),
    readRange: (topic, ranges, onBatch) => readRange(ctx, topic, ranges, onBatch),
    readFromBeginning: (topic, onMessage, readOptions) =>
      readFromBeginning(ctx, topic, onMessage, readOptions),
    async close() {
      if (closed) return;
      closed = true;
      // Every producer, member and reader still open, then the admin connection.
      for (const close of [...ctx.closers]) await close();
      await ctx.admin.close();
    },
  };
}
