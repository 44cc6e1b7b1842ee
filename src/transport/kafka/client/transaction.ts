/**
 * Consume-transform-produce in Kafka transactions: a batch's output and its offsets commit
 * together. A transaction refused in a rebalance (or failed with the broker) is aborted and its
 * batch read again by the same member (a rewind): the member does not leave the group, since
 * leaving and rejoining is a rebalance of its own, which failed the other members' transactions
 * in turn (the storm bench:kafka measured: 11 member restarts for one matcher joining).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ProduceAcks, Producer, type Consumer, type Message } from '@platformatic/kafka';
import { KafkaError, toKafkaError } from '../errors.ts';
import { callHandler, guard, type ClientContext } from './context.ts';
import { groupMember, supervise, type ChunkHandler, type MemberHandle } from './consumer-group.ts';
import { batchOf, toProduceMessages, underRequestLimit } from './messages.ts';
import type { KafkaConsumer, OutgoingMessage, TransformOptions } from './types.ts';

/** Longest pause before reading a batch again after transactions failed in a row. */
const MAX_RETRY_DELAY_MS = 5000;

export async function createTransform(ctx: ClientContext, o: TransformOptions): Promise<KafkaConsumer> {
  const newProducer = () =>
    new Producer({
      ...ctx.base,
      acks: ProduceAcks.ALL,
      idempotent: true,
      transactionalId: o.transactionalId,
      // "No producer yet": the client otherwise sends id 0 / epoch 0, which the broker reads
      // as a claim to resume producer 0 and answers PRODUCER_FENCED whenever the
      // transactional id was used before (every restart of the same process).
      producerId: -1n,
      producerEpoch: -1,
    });
  let producer = newProducer();
  /** Transactions failed in a row: each waits a little longer before its batch is read again. */
  let failures = 0;

  const handle: ChunkHandler = async (partitions, member) => {
    for (const msgs of partitions) {
      const last = msgs.at(-1) as Message;
      // Given to another member in a rebalance while it waited in the chunk: its owner does it.
      if (!member.owns(last.topic, last.partition)) continue;
      const out = await callHandler(() => o.onBatch(batchOf(msgs)));
      try {
        await guard(`transaction for ${last.topic}/${last.partition}`, () =>
          inTransaction(producer, out, member, last),
        );
        member.committed(last.topic, last.partition, last.offset + 1n);
        failures = 0;
      } catch (err) {
        const e = err instanceof KafkaError ? err : toKafkaError(err, 'transaction');
        if (!(e instanceof KafkaError)) throw e;
        o.onAbort?.(e);
        if (e.cause instanceof BrokenProducer) {
          // A new producer with the same transactional id fences the old one's transaction.
          const old = producer;
          producer = newProducer();
          await old.close().catch(() => undefined);
        }
        failures++;
        await sleep(Math.min(MAX_RETRY_DELAY_MS, 50 * 2 ** Math.min(failures, 10)));
        return 'rewind';
      }
    }
    return undefined;
  };

  const consumer = await supervise(ctx, () => groupMember(ctx, o, handle), o.onRestart).catch(
    async (err: unknown) => {
      await producer.close().catch(() => undefined);
      throw err;
    },
  );
  return {
    done: consumer.done,
    async close() {
      await consumer.close();
      await producer.close().catch(() => undefined);
    },
  };
}

/** The abort of a failed transaction failed too: the producer's state is unknown, replace it. */
class BrokenProducer extends Error {}

async function inTransaction(
  p: Producer<Buffer, Buffer, Buffer, Buffer>,
  out: readonly OutgoingMessage[],
  member: MemberHandle,
  last: Message,
): Promise<void> {
  const tx = await p.beginTransaction().catch((err: unknown) => {
    throw new BrokenProducer('begin transaction', { cause: err });
  });
  try {
    for (const chunk of underRequestLimit(out)) {
      await tx.send({ acks: ProduceAcks.ALL, messages: toProduceMessages(chunk) });
    }
    await tx.addConsumer(member.consumer);
    // Checked last, right before the offsets: a partition that moved to another member in a
    // rebalance while its batch was handled is its new owner's to do.
    if (!member.owns(last.topic, last.partition)) {
      throw new KafkaError('KAFKA_UNAVAILABLE', `${last.topic}/${last.partition} moved to another member`);
    }
    await tx.addOffset(withCurrentGeneration(last, member.consumer));
    await tx.commit();
  } catch (err) {
    if (!tx.completed) {
      await tx.abort().catch((abortErr: unknown) => {
        throw new BrokenProducer('abort', { cause: abortErr });
      });
    }
    throw err;
  }
}

/**
 * The client fences a batch's offsets with the generation the records were fetched in, so every
 * batch fetched before a rebalance ended was refused after it (ILLEGAL_GENERATION), also on the
 * partitions the member kept. The member's generation now is the right one: it still owns the
 * partition (checked just before), and a partition it gave up goes to its new owner only after
 * this transaction (groupMember waits for it before joining again).
 */
function withCurrentGeneration(m: Message, c: Consumer): Message {
  return {
    ...m,
    metadata: {
      ...m.metadata,
      consumer: {
        groupId: c.groupId,
        memberId: c.memberId,
        generationId: c.generationId,
        coordinatorId: c.coordinatorId,
      },
    },
  };
}
