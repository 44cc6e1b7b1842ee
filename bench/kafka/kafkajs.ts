import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import {
  describeValue,
  type BenchMessage,
  type ClientAdapter,
  type Delivered,
  type Member,
  type ReadResult,
} from './types.ts';

export function kafkajsAdapter(brokers: string[]): ClientAdapter {
  // NOTHING: kafkajs logs every rebalance at INFO and each retried request at ERROR to stdout,
  // which would interleave with the tables. Failures still reach us as rejections.
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  // Idempotent like the platformatic producer, so both pay for the same guarantee.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const consumers = new Set<Consumer>();
  let connected: Promise<void> | undefined;
  const connect = () =>
    (connected ??= Promise.all([admin.connect(), producer.connect()]).then(() => undefined));

  return {
    name: 'kafkajs 2.2.4',
    async createTopic(topic, partitions, config = {}) {
      await connect();
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
            configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    },
    async deleteTopic(topic) {
      await connect();
      await admin.deleteTopics({ topics: [topic] });
    },
    async send(topic, messages: BenchMessage[]) {
      await connect();
      await producer.send({
        topic,
        acks: -1,
        messages: messages.map((m) => ({ key: m.key, value: m.value })),
      });
    },
    async member(topic, groupId, onBatch): Promise<Member> {
      const consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
        maxWaitTimeInMs: 100,
      });
      consumers.add(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
          await onBatch(
            batch.messages.map((m) => ({
              partition: batch.partition,
              offset: BigInt(m.offset),
              key: m.key,
              value: m.value,
            })),
          );
          // Without resolveOffset the fetch position does not move and kafkajs re-delivers the
          // same batch forever: committing alone is not enough with eachBatchAutoResolve off.
          payload.resolveOffset(batch.lastOffset());
          const next = (BigInt(batch.lastOffset()) + 1n).toString();
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
          await payload.heartbeat();
        },
      });
      return {
        async stop() {
          await consumer.disconnect();
          consumers.delete(consumer);
        },
      };
    },
    async readToEnd(topic): Promise<ReadResult> {
      await connect();
      // kafkajs has no assign(): a consumer always joins a group. A throwaway group that never
      // commits is the closest thing to "no group" it offers.
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
      const positions = new Map<number, bigint>();
      for (const [p, end] of ends) if (end === 0n) positions.set(p, 0n);
      const records: Delivered[] = [];
      let tombstoneAs = 'none seen';
      const consumer = kafka.consumer({ groupId: `bench-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const done = Promise.withResolvers<void>();
      const atEnd = () => [...ends].every(([p, end]) => (positions.get(p) ?? -1n) >= end);
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            if (m.value === null || (m.value as Buffer | undefined) === undefined)
              tombstoneAs = describeValue(m.value);
            records.push({
              partition: batch.partition,
              offset: BigInt(m.offset),
              key: m.key,
              value: m.value,
            });
          }
          // lastOffset() covers records compaction removed and control records: the fetch
          // position, not the last record seen, is what reaches the end offset.
          if (batch.messages.length > 0) positions.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
          if (atEnd()) done.resolve();
          await Promise.resolve();
        },
      });
      if (atEnd()) done.resolve();
      const timer = setTimeout(() => done.reject(new Error('kafkajs readToEnd: no end within 30 s')), 30_000);
      try {
        await done.promise;
      } finally {
        clearTimeout(timer);
        await consumer.disconnect();
      }
      return { records, endVia: 'admin.fetchTopicOffsets() high + batch.lastOffset()', tombstoneAs };
    },
    async close() {
      for (const c of consumers) await c.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
