/**
 * Consumer-group membership: a member that hands each partition batch to a handler, the
 * supervisor that replaces a member Kafka trouble stopped, and the at-least-once consumer
 * built from them (commit after the handler).
 */
import type { Consumer, Message } from '@platformatic/kafka';
import { KafkaError, toKafkaError } from '../errors.ts';
import type { ClientContext } from './context.ts';
import { callHandler, drain, failureOf, guard, newConsumer, READ_COMMITTED } from './context.ts';
import { batchOf } from './messages.ts';
import type { ConsumerOptions, KafkaConsumer } from './types.ts';

/** A group member that commits each partition batch after its handler, kept running by supervise. */
export async function createConsumer(ctx: ClientContext, o: ConsumerOptions): Promise<KafkaConsumer> {
  return supervise(ctx, () => groupMember(ctx, o, handleBatch), o.onRestart);
  async function handleBatch(msgs: Message[]): Promise<void> {
    const batch = batchOf(msgs);
    await callHandler(() => o.onBatch(batch));
    try {
      await (msgs.at(-1) as Message).commit();
    } catch (err) {
      // A commit refused because the partition moved in a rebalance only means its new owner
      // reads the batch again, which at-least-once allows; anything else stops the consumer.
      const e = toKafkaError(err, `commit ${batch.topic}/${batch.partition}`);
      if (!e.retryable) throw e;
    }
  }
}

/**
 * A group member that hands each partition batch to `handle` and stops (done rejects) when
 * handle throws. `handle` also decides how the batch is committed.
 */
export async function groupMember(
  ctx: ClientContext,
  o: { groupId: string; topics: readonly string[]; fromBeginning?: boolean; sessionTimeoutMs?: number },
  handle: (msgs: Message[], consumer: Consumer) => Promise<void>,
): Promise<KafkaConsumer> {
  const c = newConsumer(ctx, o);
  const stream = await guard(`join group ${o.groupId}`, () =>
    c.consume({
      topics: [...o.topics],
      mode: 'committed',
      fallbackMode: o.fromBeginning === true ? 'earliest' : 'latest',
      autocommit: false,
      isolationLevel: READ_COMMITTED,
    }),
  ).catch(async (err: unknown) => {
    await c.close(true).catch(() => undefined);
    throw err;
  });
  let stopping = false;
  const run = drain(stream, async (chunk) => {
    for (const msgs of Map.groupBy(chunk, (m) => `${m.topic}\u0000${m.partition}`).values()) {
      if (stopping) return;
      await handle(msgs, c);
    }
  });
  const done = run.then(
    () => undefined,
    async (err: unknown) => {
      await c.close(true).catch(() => undefined);
      if (stopping) return;
      throw failureOf(err, `consume ${o.topics.join(', ')}`);
    },
  );
  // The caller may only look at `done` after close(); an unobserved rejection must not crash.
  done.catch(() => undefined);
  const close = async () => {
    ctx.closers.delete(close);
    stopping = true;
    await stream.close().catch(() => undefined);
    await done.catch(() => undefined);
    await c.close().catch(() => undefined);
  };
  ctx.closers.add(close);
  return { done, close };
}

/**
 * Keeps a group member running: when Kafka trouble stops it (a rebalance that failed a
 * transaction or commit, the broker away longer than the client retries), a new member
 * joins after a second and resumes from the committed offsets. An error of the handler's
 * own stops it for good (done rejects).
 */
export async function supervise(
  ctx: ClientContext,
  member: () => Promise<KafkaConsumer>,
  onRestart?: (err: KafkaError) => void,
): Promise<KafkaConsumer> {
  let current: KafkaConsumer | undefined = await member();
  let stopping = false;
  const done = (async () => {
    for (;;) {
      try {
        if (current === undefined) {
          current = await member();
          if (stopping) return await current.close();
        }
        await current.done;
        return;
      } catch (err) {
        await current?.close().catch(() => undefined);
        current = undefined;
        if (stopping) return;
        if (!(err instanceof KafkaError)) throw err;
        onRestart?.(err);
        await new Promise((r) => setTimeout(r, 1000));
        if (stopping) return;
      }
    }
  })();
  done.catch(() => undefined);
  const close = async () => {
    ctx.closers.delete(close);
    stopping = true;
    await current?.close();
    await done.catch(() => undefined);
  };
  ctx.closers.add(close);
  return { done, close };
}
