/** Consume-transform-produce in Kafka transactions: a batch's output and its offsets commit together. */
import { ProduceAcks, Producer, type Consumer, type Message } from '@platformatic/kafka';
import { callHandler, guard, type ClientContext } from './context.ts';
import { groupMember, supervise } from './consumer-group.ts';
import { batchOf, toProduceMessages, underRequestLimit } from './messages.ts';
import type { KafkaConsumer, TransformOptions } from './types.ts';

export async function createTransform(ctx: ClientContext, o: TransformOptions): Promise<KafkaConsumer> {
  // One producer per member: a transaction that failed half-way can leave the client's
  // producer unusable ("already an active transaction"), so it is replaced with the member.
  const member = async (): Promise<KafkaConsumer> => {
    const p = new Producer({
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
    const processBatch = async (msgs: Message[], c: Consumer) => {
      const batch = batchOf(msgs);
      const out = await callHandler(() => o.onBatch(batch));
      await guard(`transaction for ${batch.topic}/${batch.partition}`, async () => {
        const tx = await p.beginTransaction();
        try {
          for (const chunk of underRequestLimit(out)) {
            await tx.send({ acks: ProduceAcks.ALL, messages: toProduceMessages(chunk) });
          }
          await tx.addConsumer(c);
          await tx.addOffset(msgs.at(-1) as Message);
          await tx.commit();
        } catch (err) {
          if (!tx.completed) await tx.abort().catch(() => undefined);
          throw err;
        }
      });
    };
    const consumer = await groupMember(ctx, o, processBatch).catch(async (err: unknown) => {
      await p.close().catch(() => undefined);
      throw err;
    });
    const closeProducer = () => p.close().catch(() => undefined);
    void consumer.done.then(closeProducer, closeProducer);
    return {
      done: consumer.done,
      async close() {
        await consumer.close();
        await closeProducer();
      },
    };
  };
  // A failed transaction (the partition moved in a rebalance, the broker went away) was
  // aborted: its output is gone and its offsets are not committed, but the member's fetch
  // position is already past the batch. Only a fresh member, which starts from the committed
  // offsets, reads it again; so the member is replaced, never kept.
  return supervise(ctx, member, o.onRestart);
}
