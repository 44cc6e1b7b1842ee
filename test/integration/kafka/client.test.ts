import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { ProduceAcks, Producer } from '@platformatic/kafka';
import {
  createKafka,
  type Kafka,
  type KafkaBatch,
  type KafkaMessage,
} from '../../../src/transport/kafka/client/index.ts';
import { KafkaError } from '../../../src/transport/kafka/errors.ts';
import { kafkaBrokers, uniqueTopic, waitFor } from './helpers.ts';

describe('kafka client (real broker)', { timeout: 120_000 }, () => {
  let kafka: Kafka;
  let topics: string[] = [];
  const topic = () => {
    const t = uniqueTopic();
    topics.push(t);
    return t;
  };

  before(() => {
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: `test-${randomUUID()}` });
  });
  afterEach(async () => {
    await kafka.admin.deleteTopics(topics);
    topics = [];
  });
  after(async () => {
    await kafka?.close();
  });

  it('ensureTopics creates topics with their cleanup policy, is idempotent, and refuses a mismatch', async () => {
    const compacted = topic();
    const plain = topic();
    const specs = [
      { name: compacted, partitions: 2, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
      { name: plain, partitions: 3, replicationFactor: 1, config: { 'cleanup.policy': 'delete' } },
    ];
    await kafka.admin.ensureTopics(specs);
    await kafka.admin.ensureTopics(specs);

    assert.equal((await kafka.admin.topicConfig(compacted))['cleanup.policy'], 'compact');
    assert.equal((await kafka.admin.topicConfig(plain))['cleanup.policy'], 'delete');
    assert.deepEqual(await kafka.admin.endOffsets(compacted), [0n, 0n]);
    assert.deepEqual(await kafka.admin.endOffsets(plain), [0n, 0n, 0n]);

    await assert.rejects(
      kafka.admin.ensureTopics([
        { name: plain, partitions: 3, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
      ]),
      (err: unknown) => err instanceof KafkaError && err.code === 'KAFKA_TOPIC_MISMATCH' && !err.retryable,
    );
  });

  it('consumes in a group with commits after the handler, and a restarted consumer resumes after the last commit', async () => {
    const t = topic();
    const groupId = `g-${randomUUID()}`;
    await kafka.admin.ensureTopics([{ name: t, partitions: 3, replicationFactor: 1 }]);
    const producer = kafka.producer();
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        topic: t,
        key: `org-${(from + i) % 4}`,
        value: Buffer.from(`m${from + i}`),
        headers: { fp: 'abc' },
      }));
    await producer.send(batch(0, 30));

    const first: KafkaMessage[] = [];
    const c1 = await kafka.consumer({
      groupId,
      topics: [t],
      fromBeginning: true,
      autoCommit: false,
      onBatch: async (b: KafkaBatch) => {
        assert.ok(b.messages.every((m) => m.partition === b.partition && m.topic === t));
        first.push(...b.messages);
        await Promise.resolve();
      },
    });
    await waitFor('30 messages in the first consumer', () => first.length >= 30);
    await c1.close();
    await c1.done;
    assert.deepEqual(
      new Set(first.map((m) => m.value?.toString())),
      new Set(batch(0, 30).map((m) => m.value.toString())),
    );
    const sample = first[0] as KafkaMessage;
    assert.equal(sample.headers['fp']?.toString(), 'abc');
    assert.equal(typeof sample.offset, 'bigint');
    assert.ok(sample.key?.toString().startsWith('org-'));

    await producer.send(batch(30, 50));
    const second: KafkaMessage[] = [];
    const c2 = await kafka.consumer({
      groupId,
      topics: [t],
      fromBeginning: true,
      autoCommit: false,
      onBatch: async (b) => {
        second.push(...b.messages);
        await Promise.resolve();
      },
    });
    await waitFor('20 new messages in the restarted consumer', () => second.length >= 20);
    await c2.close();
    // Everything the first consumer handled was committed before it closed: the restart sees
    // exactly the new messages, none lost and none replayed.
    assert.deepEqual(
      second.map((m) => m.value?.toString()).sort(),
      batch(30, 50)
        .map((m) => m.value.toString())
        .sort(),
    );
    await producer.close();
  });

  it('does not commit a batch whose handler failed: the next consumer of the group gets it', async () => {
    const t = topic();
    const groupId = `g-${randomUUID()}`;
    await kafka.admin.ensureTopics([{ name: t, partitions: 1, replicationFactor: 1 }]);
    const producer = kafka.producer();
    await producer.send(
      Array.from({ length: 10 }, (_, i) => ({ topic: t, key: 'k', value: Buffer.from(`m${i}`) })),
    );

    const failing = await kafka.consumer({
      groupId,
      topics: [t],
      fromBeginning: true,
      autoCommit: false,
      onBatch: () => Promise.reject(new Error('storage down')),
    });
    await assert.rejects(failing.done, /storage down/);
    await failing.close();

    const seen: string[] = [];
    const retry = await kafka.consumer({
      groupId,
      topics: [t],
      fromBeginning: true,
      autoCommit: false,
      onBatch: async (b) => {
        seen.push(...b.messages.map((m) => m.value?.toString() ?? ''));
        await Promise.resolve();
      },
    });
    await waitFor('the 10 uncommitted messages again', () => seen.length >= 10);
    await retry.close();
    assert.deepEqual(
      seen,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    await producer.close();
  });

  it("transform publishes each batch's output and commits its offsets in one transaction; a restart resumes after it", async () => {
    const input = topic();
    const output = topic();
    const groupId = `g-${randomUUID()}`;
    await kafka.admin.ensureTopics([
      { name: input, partitions: 2, replicationFactor: 1 },
      { name: output, partitions: 2, replicationFactor: 1 },
    ]);
    const producer = kafka.producer();
    const send = (from: number, to: number) =>
      producer.send(
        Array.from({ length: to - from }, (_, i) => ({
          topic: input,
          key: `k${(from + i) % 3}`,
          value: Buffer.from(String(from + i)),
        })),
      );
    const doubled = (b: KafkaBatch) =>
      Promise.resolve(
        b.messages.map((m) => ({
          topic: output,
          key: m.key ?? 'k',
          value: Buffer.from(String(Number(m.value?.toString()) * 2)),
        })),
      );
    // Read back with a read-committed group consumer, as the service's consumers read.
    const out: string[] = [];
    const reader = await kafka.consumer({
      groupId: `r-${randomUUID()}`,
      topics: [output],
      fromBeginning: true,
      autoCommit: false,
      onBatch: async (b) => {
        out.push(...b.messages.map((m) => m.value?.toString() ?? ''));
        await Promise.resolve();
      },
    });

    await send(0, 40);
    // The second member reuses the first's transactional id, as a restarted process does.
    const transactionalId = `tx-${randomUUID()}`;
    const first = await kafka.transform({
      groupId,
      topics: [input],
      fromBeginning: true,
      transactionalId,
      onBatch: doubled,
    });
    await waitFor('40 transformed messages', () => out.length >= 40);
    await first.close();

    await send(40, 60);
    const failures: string[] = [];
    const second = await kafka.transform({
      groupId,
      topics: [input],
      fromBeginning: true,
      transactionalId,
      onBatch: doubled,
      onRestart: (err) => failures.push(err.message),
    });
    await waitFor('60 transformed messages', () => out.length >= 60);
    await new Promise((r) => setTimeout(r, 500));
    await second.close();
    await reader.close();
    await producer.close();
    assert.deepEqual(failures, []);
    // The committed offsets travelled in the transactions: the second member read only the new
    // records, and nothing was published twice.
    assert.deepEqual(
      out.map(Number).sort((a, b) => a - b),
      Array.from({ length: 60 }, (_, i) => i * 2),
    );
  });

  it('a transform whose handler fails publishes nothing for the batch and stops; the next member gets the batch', async () => {
    const input = topic();
    const output = topic();
    const groupId = `g-${randomUUID()}`;
    await kafka.admin.ensureTopics([
      { name: input, partitions: 1, replicationFactor: 1 },
      { name: output, partitions: 1, replicationFactor: 1 },
    ]);
    const producer = kafka.producer();
    await producer.send(
      Array.from({ length: 5 }, (_, i) => ({ topic: input, key: 'k', value: Buffer.from(`m${i}`) })),
    );
    const failing = await kafka.transform({
      groupId,
      topics: [input],
      fromBeginning: true,
      transactionalId: `tx-${randomUUID()}`,
      onBatch: () => Promise.reject(new Error('handler bug')),
    });
    await assert.rejects(failing.done, /handler bug/);
    await failing.close();

    const seen: string[] = [];
    const next = await kafka.transform({
      groupId,
      topics: [input],
      fromBeginning: true,
      transactionalId: `tx-${randomUUID()}`,
      onBatch: (b) => {
        seen.push(...b.messages.map((m) => m.value?.toString() ?? ''));
        return Promise.resolve([]);
      },
    });
    await waitFor('the 5 messages again', () => seen.length >= 5);
    await next.close();
    await producer.close();
    assert.deepEqual(seen, ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.deepEqual(await kafka.admin.endOffsets(output), [0n]);
  });

  it("sends and transforms batches beyond the broker's 1 MiB record-batch limit for one partition", async () => {
    const input = topic();
    const output = topic();
    await kafka.admin.ensureTopics([
      { name: input, partitions: 1, replicationFactor: 1 },
      { name: output, partitions: 1, replicationFactor: 1 },
    ]);
    // 3,000 records of 1 KiB under one key: ~3 MiB for one partition, in one call.
    const big = Array.from({ length: 3000 }, (_, i) => ({
      topic: input,
      key: 'one-org',
      value: Buffer.alloc(1024, i % 251),
    }));
    const producer = kafka.producer();
    await producer.send(big);
    await producer.close();
    assert.deepEqual(await kafka.admin.endOffsets(input), [3000n]);

    let copied = 0;
    const copy = await kafka.transform({
      groupId: `g-${randomUUID()}`,
      topics: [input],
      fromBeginning: true,
      transactionalId: `tx-${randomUUID()}`,
      onBatch: (b) => {
        copied += b.messages.length;
        return Promise.resolve(b.messages.map((m) => ({ topic: output, key: 'one-org', value: m.value })));
      },
    });
    // What a read-committed consumer reads, not onBatch's calls: a transaction that failed
    // (the coordinator of a new transactional id still loading) is aborted and its batch
    // handed over again to a fresh member, so onBatch can see a record twice.
    let committed = 0;
    const reader = await kafka.consumer({
      groupId: `r-${randomUUID()}`,
      topics: [output],
      fromBeginning: true,
      autoCommit: false,
      onBatch: (b) => {
        committed += b.messages.length;
        return Promise.resolve();
      },
    });
    await waitFor('3,000 records committed to the output', () => committed >= 3000);
    await copy.close();
    await reader.close();
    assert.equal(committed, 3000);
    assert.ok(copied >= 3000, `onBatch saw ${copied} records`);
  });

  it("a read-committed consumer never gets an aborted transaction's records, though its fetches end inside it", async () => {
    const t = topic();
    await kafka.admin.ensureTopics([{ name: t, partitions: 1, replicationFactor: 1 }]);
    // A matcher's transaction as a rebalance aborts it: 6 MiB written, more than one fetch
    // returns (FETCH_MAX_BYTES), so a fetch ends inside it, before its abort marker.
    const producer = new Producer({
      clientId: `aborting-${randomUUID()}`,
      bootstrapBrokers: kafkaBrokers(),
      acks: ProduceAcks.ALL,
      idempotent: true,
      transactionalId: `tx-${randomUUID()}`,
      producerId: -1n,
      producerEpoch: -1,
    });
    try {
      const aborted = await producer.beginTransaction();
      for (let chunk = 0; chunk < 12; chunk++) {
        await aborted.send({
          acks: ProduceAcks.ALL,
          messages: Array.from({ length: 500 }, (_, i) => ({
            topic: t,
            key: Buffer.from('org'),
            value: Buffer.alloc(1024, `aborted-${chunk}-${i}`),
          })),
        });
      }
      await aborted.abort();
      const committed = await producer.beginTransaction();
      await committed.send({
        acks: ProduceAcks.ALL,
        messages: Array.from({ length: 10 }, (_, i) => ({
          topic: t,
          key: Buffer.from('org'),
          value: Buffer.from(`kept-${i}`),
        })),
      });
      await committed.commit();
    } finally {
      await producer.close();
    }

    const seen: string[] = [];
    const reader = await kafka.consumer({
      groupId: `r-${randomUUID()}`,
      topics: [t],
      fromBeginning: true,
      autoCommit: false,
      onBatch: (b) => {
        seen.push(...b.messages.map((m) => m.value?.toString('latin1', 0, 8) ?? ''));
        return Promise.resolve();
      },
    });
    // The committed records come after the aborted ones: once they are in, nothing else is coming.
    await waitFor(
      'the 10 committed records',
      () => seen.filter((v) => v.startsWith('kept-')).length >= 10,
      60_000,
    );
    await reader.close();
    assert.equal(
      seen.filter((v) => v.startsWith('aborted-')).length,
      0,
      'records of the aborted transaction delivered',
    );
    assert.deepEqual(
      seen,
      Array.from({ length: 10 }, (_, i) => `kept-${i}`),
    );
  });

  it('readFromBeginning of a compacted topic gives the latest value per key and the tombstones, then stops at the end', async () => {
    const t = topic();
    await kafka.admin.ensureTopics([
      { name: t, partitions: 3, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
    ]);
    const producer = kafka.producer();
    const expected = new Map<string, string>();
    for (let v = 1; v <= 3; v++) {
      await producer.send(
        Array.from({ length: 20 }, (_, k) => ({
          topic: t,
          key: `acme:${k}`,
          value: Buffer.from(`tpl-${k}-v${v}`),
        })),
      );
      for (let k = 0; k < 20; k++) expected.set(`acme:${k}`, `tpl-${k}-v${v}`);
    }
    // Tombstones last, so the end of the topic is a run of null values.
    await producer.send(Array.from({ length: 5 }, (_, k) => ({ topic: t, key: `acme:${k}`, value: null })));
    for (let k = 0; k < 5; k++) expected.delete(`acme:${k}`);
    const ends = await kafka.admin.endOffsets(t);
    assert.equal(
      ends.reduce((a, b) => a + b, 0n),
      65n,
    );

    const state = new Map<string, string>();
    let tombstones = 0;
    const reader = await kafka.readFromBeginning(
      t,
      (m) => {
        const key = m.key?.toString() ?? '';
        if (m.value === null) {
          tombstones++;
          state.delete(key);
        } else state.set(key, m.value.toString());
      },
      { untilEnd: true },
    );
    await reader.caughtUp;
    await reader.done;
    assert.equal(tombstones, 5);
    assert.deepEqual(new Map([...state].sort()), new Map([...expected].sort()));

    await producer.close();
  });

  it('readFromBeginning follows new records after catching up, and an empty topic is caught up at once', async () => {
    const t = topic();
    await kafka.admin.ensureTopics([
      { name: t, partitions: 2, replicationFactor: 1, config: { 'cleanup.policy': 'compact' } },
    ]);
    const seen: string[] = [];
    const reader = await kafka.readFromBeginning(t, (m) => void seen.push(m.value?.toString() ?? 'null'), {
      untilEnd: false,
    });
    await reader.caughtUp;
    assert.deepEqual(seen, []);

    const producer = kafka.producer();
    await producer.send([{ topic: t, key: 'acme:1', value: Buffer.from('new') }]);
    await waitFor('the record written after catching up', () => seen.length === 1);
    assert.deepEqual(seen, ['new']);
    await reader.close();
    await reader.done;
    await producer.close();
  });
});
