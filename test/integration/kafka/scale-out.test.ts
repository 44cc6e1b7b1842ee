import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createKafka,
  type GroupStep,
  type Kafka,
  type KafkaConsumer,
} from '../../../src/transport/kafka/client/index.ts';
import { kafkaBrokers, uniqueTopic, waitFor } from './helpers.ts';

const PARTITIONS = 6;
/** Records the members copy after one left, before production stops: its partitions were taken over mid-stream. */
const AFTER_LEAVE = 1000;
/**
 * A session timeout far longer than the test waits for the handover: partitions that moved by
 * the leaver's session expiring could not have moved in time.
 */
const SESSION_TIMEOUT_MS = 90_000;

/** One transform member of the group, its counters as a matcher's /stats shows them. */
interface Member {
  name: string;
  consumer: KafkaConsumer;
  restarts: number;
  aborts: number;
  rebalances: number;
  copied: number;
}

describe('kafka transforms scaling out and in (real broker)', { timeout: 120_000 }, () => {
  let kafka: Kafka;
  const topics: string[] = [];

  before(() => {
    // 1 MiB fetches (the default is larger): more chunks cross each rebalance, which is how the
    // leave test found records handed over twice in one chunk (groupMember's `fresh`).
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'scale-out-test', fetchMaxBytes: 1 << 20 });
  });

  after(async () => {
    await kafka.admin.deleteTopics(topics).catch(() => undefined);
    await kafka.close();
  });

  /** A fresh input and output topic of PARTITIONS partitions each, deleted after the tests. */
  async function inputAndOutput(): Promise<{ input: string; output: string }> {
    const input = uniqueTopic();
    const output = uniqueTopic();
    topics.push(input, output);
    await kafka.admin.ensureTopics([
      { name: input, partitions: PARTITIONS, replicationFactor: 1 },
      { name: output, partitions: PARTITIONS, replicationFactor: 1 },
    ]);
    return { input, output };
  }

  /**
   * Produces 50 records every 50 ms (values 0, 1, 2, … over 24 keys) while `more(produced)` holds.
   */
  function produceWhile(topic: string, more: (produced: number) => boolean) {
    const producer = kafka.producer();
    let produced = 0;
    const done = (async () => {
      while (more(produced)) {
        const from = produced;
        await producer.send(
          Array.from({ length: 50 }, (_, j) => ({
            topic,
            key: `k${(from + j) % 24}`,
            value: Buffer.from(String(from + j)),
          })),
        );
        produced += 50;
        await sleep(50);
      }
      await producer.close();
    })();
    return { done, produced: () => produced };
  }

  it('members joining and one leaving mid-stream: every record published once, no member restarted', async (t) => {
    const { input, output } = await inputAndOutput();
    // Produced all along until the group's last change is over, so that every change finds the
    // members mid-stream (a fixed count ran out before the third member joined on a cold broker).
    let producing = true;
    const production = produceWhile(input, () => producing);
    const groupId = `g-${randomUUID()}`;
    const members: Member[] = [];
    const total = () => members.reduce((n, m) => n + m.copied, 0);
    const join = async (name: string) => {
      const m: Member = { name, restarts: 0, aborts: 0, rebalances: 0, copied: 0 } as Member;
      m.consumer = await kafka.transform({
        groupId,
        topics: [input],
        fromBeginning: true,
        transactionalId: `tx-${groupId}-${name}`,
        // KAFKA_INSTANCE_ID may hold spaces, which a group instance id may not.
        instanceId: `${groupId} ${name}`,
        onRestart: () => m.restarts++,
        onAbort: () => m.aborts++,
        onRebalance: () => m.rebalances++,
        async onBatch(b) {
          await sleep(10);
          m.copied += b.messages.length;
          return b.messages.map((r) => ({ topic: output, key: r.key ?? 'k', value: r.value }));
        },
      });
      members.push(m);
      return m;
    };

    try {
      await join('first');
      await waitFor('the first member under way', () => total() > 0, 30_000);
      const second = await join('second');
      await waitFor('the second member under way', () => second.copied > 0, 30_000);
      const third = await join('third');
      await waitFor('the third member under way', () => third.copied > 0, 30_000);
      // One leaves (a SIGTERM's clean stop): its partitions go to the other two.
      await second.consumer.close();
      const before = total();
      await waitFor('the others copying after the leave', () => total() >= before + AFTER_LEAVE, 30_000);
    } catch (err) {
      for (const m of members) await m.consumer.close();
      throw err;
    } finally {
      producing = false;
      await production.done;
    }

    // Every input record is in the output exactly once, whichever member copied it.
    await outputHolding(kafka, output, production.produced(), 90_000);
    await sleep(1000);
    const final = await countOutput(kafka, output);
    for (const m of members) await m.consumer.close();
    const report = members.map((m) => `${m.name}: ${m.rebalances} rebalances, ${m.aborts} aborts`).join('; ');
    t.diagnostic(report);
    assert.equal(final.size, production.produced(), report);
    assert.deepEqual(
      [...final.entries()].filter(([, n]) => n !== 1),
      [],
      `records published more than once (${report})`,
    );
    assert.deepEqual(
      members.map((m) => m.restarts),
      [0, 0, 0],
      `no member left and rejoined the group (${report})`,
    );
  });

  // Failed 4 runs in 11 until groupMember dropped records handed over twice: the client re-reads a
  // partition from its committed offset when a rebalance ends, behind what it had fetched, and
  // both came in one batch (published twice, offsets committed backwards). 30 of 30 since.
  it('a member stopping for good leaves the group: the survivor owns every partition long before the session timeout, every record once', async (t) => {
    const { input, output } = await inputAndOutput();
    // Produced all along until the handover is over, so every partition has records waiting
    // whoever owns it.
    let producing = true;
    const production = produceWhile(input, () => producing);
    const groupId = `g-${randomUUID()}`;
    /** Each member's steps in the group, in order, and what it copied. */
    const steps = new Map<string, GroupStep[]>();
    const copied = new Map<string, number>();
    let restarts = 0;
    /** Batches whose offsets were not strictly increasing (a record handed over twice). */
    const repeated: string[] = [];
    const join = (name: string) =>
      kafka.transform({
        groupId,
        topics: [input],
        fromBeginning: true,
        transactionalId: `tx-${groupId}-${name}`,
        // Static members, as the roles are: a static member that only stopped heartbeating would
        // keep its partitions for the whole session timeout (here far longer than the test waits).
        instanceId: `${groupId}-${name}`,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        onRestart: () => restarts++,
        onGroupStep: (step) => steps.set(name, [...(steps.get(name) ?? []), step]),
        async onBatch(b) {
          await sleep(10);
          const offsets = b.messages.map((m) => m.offset);
          if (offsets.some((o, i) => i > 0 && o <= offsets[i - 1]!)) {
            repeated.push(`${name} ${b.topic}/${b.partition}: ${offsets.join(',')}`);
          }
          copied.set(name, (copied.get(name) ?? 0) + b.messages.length);
          return b.messages.map((r) => ({ topic: output, key: r.key ?? 'k', value: r.value }));
        },
      });
    const members: KafkaConsumer[] = [];
    try {
      members.push(await join('survivor'));
      await waitFor('the survivor copying', () => (copied.get('survivor') ?? 0) > 0, 30_000);
      const leaver = await join('leaver');
      members.push(leaver);
      await waitFor('the leaver copying', () => (copied.get('leaver') ?? 0) > 0, 30_000);
      await leaver.close();
      const leaverSteps = steps.get('leaver') ?? [];
      assert.equal(leaverSteps.at(-1)?.step, 'left the group', JSON.stringify(leaverSteps));
      // The handover: the survivor joins a new generation holding every partition. Waited for
      // far less than the session timeout, so only the leave (LeaveGroup) can have brought it.
      const ownsAll = () => {
        const joined = (steps.get('survivor') ?? []).filter((s) => s.step === 'joined');
        return joined.at(-1)?.partitions.length === PARTITIONS;
      };
      await waitFor('the survivor owning every partition', ownsAll, SESSION_TIMEOUT_MS / 3);
      producing = false;
      await production.done;
      await outputHolding(kafka, output, production.produced(), 60_000);
    } finally {
      producing = false;
      await production.done;
      for (const m of members) await m.close();
    }
    await sleep(1000);
    const final = await countOutput(kafka, output);
    const joined = (steps.get('survivor') ?? []).flatMap((s) => (s.step === 'joined' ? [s] : []));
    t.diagnostic(
      `survivor generations: ${joined.map((s) => `${s.generation}: ${s.partitions.length} partitions`).join(', ')}`,
    );
    assert.deepEqual(
      joined.at(-1)?.partitions.toSorted(),
      Array.from({ length: PARTITIONS }, (_, p) => `${input}/${p}`).toSorted(),
    );
    assert.deepEqual(repeated, [], 'a batch held a record twice');
    assert.equal(final.size, production.produced());
    assert.deepEqual(
      [...final.entries()].filter(([, n]) => n !== 1),
      [],
      'records published more than once',
    );
    assert.equal(restarts, 0);
  });
});

/** Waits until the topic holds `n` distinct values (committed records only). */
async function outputHolding(kafka: Kafka, topic: string, n: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await countOutput(kafka, topic)).size < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} records in ${topic}`);
    await sleep(500);
  }
}

/** How many times each value is in the topic (committed records only). */
async function countOutput(kafka: Kafka, topic: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const reader = await kafka.readFromBeginning(
    topic,
    (m) => {
      const v = m.value?.toString() ?? '';
      counts.set(v, (counts.get(v) ?? 0) + 1);
    },
    { untilEnd: true },
  );
  await reader.done;
  return counts;
}
