/**
 * Reads outside any consumer group's offsets: a compacted topic from its beginning (every
 * matcher on `templates`), and fixed offset ranges (replay).
 */
import type { Message, MessagesStream } from '@platformatic/kafka';
import { KafkaError } from '../errors.ts';
import type { ClientContext } from './context.ts';
import { callHandler, drain, failureOf, guard, newConsumer, READ_COMMITTED } from './context.ts';
import { endOffsets, partitionCount } from './admin.ts';
import { batchOf, toMessage } from './messages.ts';
import type { KafkaBatch, KafkaMessage, OffsetRange, ReadOptions, TopicReader } from './types.ts';

async function closeConsumer(
  c: ReturnType<typeof newConsumer>,
  s: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
): Promise<void> {
  await s.close().catch(() => undefined);
  await c.close().catch(() => undefined);
}

export async function readFromBeginning(
  ctx: ClientContext,
  topic: string,
  onMessage: (m: KafkaMessage) => Promise<void> | void,
  ro: ReadOptions,
): Promise<TopicReader> {
  const ends = await endOffsets(ctx.admin, topic);
  // Per partition, the next offset not yet handled: a reader that reconnects starts again
  // from the earliest offset, and what was already handled must not be replayed over newer
  // state.
  const next = new Map<number, bigint>();
  const caughtUp = Promise.withResolvers<void>();
  caughtUp.promise.catch(() => undefined);
  let stopping = false;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;

  /** One connection's worth of reading; resolves at the end (untilEnd) or on close. */
  const session = async (): Promise<void> => {
    // The client has no group-less assign(): a group of one with a fresh id, that never
    // commits, reads every partition from the earliest offset and leaves nothing behind.
    const c = newConsumer(ctx, { oneOff: 'reader' });
    try {
      const s = await guard(`read ${topic}`, () =>
        c.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel: READ_COMMITTED }),
      );
      stream = s;
      // Every way out of the session closes its consumer (an empty topic read untilEnd once
      // left one open, and closing the client then waited for it forever).
      if (stopping) return await closeConsumer(c, s);
      // Positions come from the fetch (past compacted-away records), not from the last record
      // handled, so the end is reached even when the tail of a partition was compacted away.
      const atEnd = () =>
        ends.every((end, p) => end === 0n || (s.offsetsToFetch.get(`${topic}:${p}`) ?? -1n) >= end);
      if (atEnd()) caughtUp.resolve();
      if (ro.untilEnd && atEnd()) return await closeConsumer(c, s);
      await drain(s, async (chunk) => {
        for (const m of chunk) {
          if (m.offset < (next.get(m.partition) ?? 0n)) continue;
          next.set(m.partition, m.offset + 1n);
          await callHandler(async () => onMessage(toMessage(m)));
        }
        if (s.readableLength === 0 && atEnd()) {
          caughtUp.resolve();
          if (ro.untilEnd) await s.close();
        }
      });
      await c.close().catch(() => undefined);
    } catch (err) {
      await c.close(true).catch(() => undefined);
      throw failureOf(err, `read ${topic}`);
    }
  };

  const done = (async () => {
    for (;;) {
      try {
        await session();
        if (!stopping && !ro.untilEnd) {
          // The stream ended without a close(): connect again.
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        caughtUp.reject(new KafkaError('KAFKA_ERROR', `reader of ${topic} stopped before reaching the end`));
        return;
      } catch (err) {
        // The broker away longer than the client retries: reconnect and go on where we were.
        if (!stopping && err instanceof KafkaError) {
          await new Promise((r) => setTimeout(r, 1000));
          if (!stopping) continue;
        }
        caughtUp.reject(err);
        if (!stopping) throw err;
        return;
      }
    }
  })();
  done.catch(() => undefined);
  const close = async () => {
    ctx.closers.delete(close);
    stopping = true;
    await stream?.close().catch(() => undefined);
    await done.catch(() => undefined);
  };
  ctx.closers.add(close);
  done.then(
    () => ctx.closers.delete(close),
    () => ctx.closers.delete(close),
  );
  return { caughtUp: caughtUp.promise, done, close };
}

export async function readRange(
  ctx: ClientContext,
  topic: string,
  ranges: readonly OffsetRange[],
  onBatch: (batch: KafkaBatch) => Promise<void>,
): Promise<void> {
  const wanted = ranges.filter((r) => r.to > r.from);
  if (wanted.length === 0) return;
  const byPartition = new Map(wanted.map((r) => [r.partition, r]));
  const n = await guard(`partitions of ${topic}`, () => partitionCount(ctx.admin, topic));
  const ends = await endOffsets(ctx.admin, topic);
  // Partitions outside the ranges start at their end, so they hand over nothing old.
  const offsets = Array.from({ length: n }, (_, p) => ({
    topic,
    partition: p,
    offset: byPartition.get(p)?.from ?? ends[p] ?? 0n,
  }));
  const c = newConsumer(ctx, { oneOff: 'range' });
  try {
    const stream = await guard(`read ${topic}`, () =>
      c.consume({
        topics: [topic],
        mode: 'manual',
        offsets,
        autocommit: false,
        isolationLevel: READ_COMMITTED,
      }),
    );
    const done = () =>
      wanted.every((r) => (stream.offsetsToFetch.get(`${topic}:${r.partition}`) ?? -1n) >= r.to);
    if (done()) {
      await stream.close();
      return;
    }
    await drain(stream, async (chunk) => {
      for (const msgs of Map.groupBy(chunk, (m) => m.partition).values()) {
        const range = byPartition.get((msgs[0] as Message).partition);
        if (range === undefined) continue;
        const inRange = msgs.filter((m) => m.offset >= range.from && m.offset < range.to);
        if (inRange.length > 0) await callHandler(() => onBatch(batchOf(inRange)));
      }
      if (stream.readableLength === 0 && done()) await stream.close();
    });
  } catch (err) {
    throw failureOf(err, `read ${topic}`);
  } finally {
    await c.close(true).catch(() => undefined);
  }
}
