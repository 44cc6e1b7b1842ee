import { randomUUID } from 'node:crypto';
import { Admin, Consumer, ProduceAcks, Producer, type Message } from '@platformatic/kafka';
import {
  describeValue,
  type BenchMessage,
  type ClientAdapter,
  type Delivered,
  type Member,
  type ReadResult,
} from './types.ts';

export function platformaticAdapter(brokers: string[]): ClientAdapter {
  const base = { bootstrapBrokers: brokers, clientId: 'bench-platformatic' };
  const admin = new Admin(base);
  // Idempotent: without it a retried produce right after createTopics writes records twice
  // (firstSendProbe below measures it), and the service needs acks=all without duplicates.
  const producer = new Producer({ ...base, acks: ProduceAcks.ALL, idempotent: true });
  const consumers = new Set<Consumer>();

  return {
    name: '@platformatic/kafka 2.12.1',
    async createTopic(topic, partitions, config = {}) {
      await admin.createTopics({
        topics: [topic],
        partitions,
        replicas: 1,
        configs: Object.entries(config).map(([name, value]) => ({ name, value })),
      });
    },
    async deleteTopic(topic) {
      await admin.deleteTopics({ topics: [topic] });
    },
    async send(topic, messages: BenchMessage[]) {
      await producer.send({
        acks: ProduceAcks.ALL,
        messages: messages.map((m) => ({ topic, key: m.key, value: m.value ?? undefined })),
      });
    },
    async member(topic, groupId, onBatch): Promise<Member> {
      const consumer = new Consumer({
        ...base,
        groupId,
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
        maxWaitTime: 100,
      });
      consumers.add(consumer);
      const stream = await consumer.consume({
        topics: [topic],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
      });
      // The stream yields single messages; what is already buffered when one arrives is what one
      // fetch returned, so draining the buffer gives fetch-sized batches like kafkajs' eachBatch.
      const flush = async (buf: Message[]) => {
        const byPartition = Map.groupBy(buf, (m) => m.partition);
        for (const msgs of byPartition.values()) {
          await onBatch(
            msgs.map((m) => ({
              partition: m.partition,
              offset: m.offset,
              key: m.key ?? null,
              value: m.value ?? null,
            })),
          );
          await msgs.at(-1)?.commit();
        }
      };
      const loop = (async () => {
        let buf: Message[] = [];
        for await (const m of stream) {
          buf.push(m);
          if (buf.length >= 2000 || stream.readableLength === 0) {
            await flush(buf);
            buf = [];
          }
        }
      })();
      return {
        async stop() {
          await stream.close();
          await loop.catch(() => undefined);
          await consumer.close();
          consumers.delete(consumer);
        },
      };
    },
    async readToEnd(topic): Promise<ReadResult> {
      // consume() always joins a group: a throwaway group, mode 'earliest', never committing.
      const consumer = new Consumer({ ...base, groupId: `bench-reader-${randomUUID()}`, maxWaitTime: 100 });
      const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? [];
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      const records: Delivered[] = [];
      let tombstoneAs = 'none seen';
      // offsetsToFetch is the fetch position (past compacted-away and control records), which is
      // what reaches the end offset even when the last record of a partition was removed.
      const atEnd = () =>
        ends.every((end, p) => end === 0n || (stream.offsetsToFetch.get(`${topic}:${p}`) ?? -1n) >= end);
      const deadline = setTimeout(() => void stream.close(), 30_000);
      try {
        if (!atEnd()) {
          for await (const m of stream) {
            if (m.value === null || m.value === undefined) tombstoneAs = describeValue(m.value);
            records.push({
              partition: m.partition,
              offset: m.offset,
              key: m.key ?? null,
              value: m.value ?? null,
            });
            if (stream.readableLength === 0 && atEnd()) break;
          }
        }
        if (!atEnd()) throw new Error('platformatic readToEnd: no end within 30 s');
      } finally {
        clearTimeout(deadline);
        await stream.close();
        await consumer.close();
      }
      return { records, endVia: 'consumer.listOffsets() + stream.offsetsToFetch', tombstoneAs };
    },
    async close() {
      for (const c of consumers) await c.close(true);
      await producer.close();
      await admin.close();
    },
  };
}

/**
 * Sends 300 keyed records as the first send to a 3-partition compacted topic created just
 * before (createTopics returns before the partitions have leaders) and returns how many
 * records the log then holds, per try.
 */
export async function firstSendProbe(
  brokers: string[],
  idempotent: boolean,
  tries: number,
): Promise<bigint[]> {
  const base = { bootstrapBrokers: brokers, clientId: 'bench-probe' };
  const admin = new Admin(base);
  const producer = new Producer({ ...base, acks: ProduceAcks.ALL, idempotent });
  const offsets = new Consumer({ ...base, groupId: 'bench-probe' });
  const out: bigint[] = [];
  try {
    for (let i = 0; i < tries; i++) {
      const topic = `bench-${randomUUID()}`;
      await admin.createTopics({
        topics: [topic],
        partitions: 3,
        replicas: 1,
        configs: [{ name: 'cleanup.policy', value: 'compact' }],
      });
      try {
        await producer.send({
          messages: Array.from({ length: 300 }, (_, k) => ({
            topic,
            key: Buffer.from(`k${k}`),
            value: Buffer.from('v'),
          })),
        });
        const ends = (await offsets.listOffsets({ topics: [topic] })).get(topic) ?? [];
        out.push(ends.reduce((a, b) => a + b, 0n));
      } finally {
        await admin.deleteTopics({ topics: [topic] });
      }
    }
  } finally {
    await offsets.close();
    await producer.close();
    await admin.close();
  }
  return out;
}
