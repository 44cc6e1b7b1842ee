/**
 * Consumer-group membership: a member that hands what it fetched to a handler, the supervisor
 * that replaces a member Kafka trouble stopped, and the at-least-once consumers built from them
 * (commit after the handler: per partition batch, or per gathered chunk of several partitions).
 *
 * A member joining or leaving the group costs one rebalance and no member restarts (issue 19):
 * - the cooperative-sticky protocol: a rebalance moves only the partitions that change owner,
 *   the others keep being read;
 * - before each JoinGroup the member waits for the chunk its handler is on, so a partition it
 *   gives up is handed over after its last transaction or commit, not during it;
 * - a handler that cannot finish a chunk (a transaction refused in a rebalance) asks for a
 *   rewind: the member reads again from the committed offsets with a fresh stream, without
 *   leaving the group (leaving and rejoining was itself a rebalance: the storm);
 * - a record at an offset this member has already committed, or one handed over twice (a
 *   stream re-reads the committed offsets when a rebalance ends, behind what it had fetched
 *   already, and a transaction's offsets become visible a moment after it commits) is dropped,
 *   records of a partition the member no longer owns too, and a partition new to the member
 *   starts at its stable committed offset (one that waits for the previous owner's open
 *   transaction), so no work is done twice;
 * - with an instance id (static membership) a restarted process takes its partitions back
 *   without a rebalance, if it returns within the session timeout.
 */
import type { Consumer, Message, MessagesStream } from '@platformatic/kafka';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaError, toKafkaError } from '../errors.ts';
import type { ClientContext } from './context.ts';
import { callHandler, failureOf, guard, newConsumer, READ_COMMITTED } from './context.ts';
import { batchOf, unseen } from './messages.ts';
import type { ConsumerOptions, GatherOptions, KafkaConsumer, MemberEvents } from './types.ts';

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** Records per chunk when nothing asks for more: what one fetch returns, up to this. */
const CHUNK_RECORDS = 5000;
/** How long a partition new to the member may wait for its previous owner's transaction. */
const STABLE_OFFSET_WAIT_MS = 30_000;

export interface MemberOptions extends MemberEvents {
  groupId: string;
  topics: readonly string[];
  fromBeginning?: boolean | undefined;
  sessionTimeoutMs?: number | undefined;
  instanceId?: string | undefined;
  /** Gather up to `records` over several fetches, waiting at most `waitMs` for more. */
  gather?: { records: number; waitMs: number } | undefined;
}

/** What a member's handler sees besides the records. */
export interface MemberHandle {
  readonly consumer: Consumer;
  /** Records below `next` of this partition are done (committed): never hand them over again. */
  committed(topic: string, partition: number, next: bigint): void;
  /** Still this member's partition (false once a rebalance gave it to another member). */
  owns(topic: string, partition: number): boolean;
}

/**
 * Handles one chunk: per partition, its records in offset order. Resolves 'rewind' when the
 * chunk's work was not committed and must be read again from the committed offsets.
 */
export type ChunkHandler = (partitions: Message[][], member: MemberHandle) => Promise<'rewind' | undefined>;

/** A group member that commits each partition batch after its handler, kept running by supervise. */
export async function createConsumer(ctx: ClientContext, o: ConsumerOptions): Promise<KafkaConsumer> {
  return supervise(ctx, () => groupMember(ctx, o, handle), o.onRestart);
  async function handle(partitions: Message[][], member: MemberHandle): Promise<undefined> {
    for (const msgs of partitions) {
      const batch = batchOf(msgs);
      await callHandler(() => o.onBatch(batch));
      await commitBatch(member, msgs);
    }
    return undefined;
  }
}

/**
 * A member that gathers records of every partition it owns into one chunk (up to
 * `gather.records`, waiting at most `gather.waitMs` for more) and commits them all after the
 * handler: the writer's pieces of CLICKHOUSE_BUFFER_SIZE rows.
 */
export async function createGatheringConsumer(ctx: ClientContext, o: GatherOptions): Promise<KafkaConsumer> {
  return supervise(ctx, () => groupMember(ctx, { ...o, gather: o.gather }, handle), o.onRestart);
  async function handle(partitions: Message[][], member: MemberHandle): Promise<undefined> {
    await callHandler(() => o.onBatches(partitions.map(batchOf)));
    for (const msgs of partitions) await commitBatch(member, msgs);
    return undefined;
  }
}

async function commitBatch(member: MemberHandle, msgs: Message[]): Promise<void> {
  const last = msgs.at(-1) as Message;
  try {
    await last.commit();
    member.committed(last.topic, last.partition, last.offset + 1n);
  } catch (err) {
    // A commit refused because the partition moved in a rebalance only means its new owner
    // reads the batch again, which at-least-once allows; anything else stops the consumer.
    const e = toKafkaError(err, `commit ${last.topic}/${last.partition}`);
    if (!e.retryable) throw e;
  }
}

/**
 * A group member that hands each chunk to `handle` and stops (done rejects) when handle throws
 * or the stream fails.
 */
export async function groupMember(
  ctx: ClientContext,
  o: MemberOptions,
  handle: ChunkHandler,
): Promise<KafkaConsumer> {
  let inFlight: Promise<unknown> | undefined;
  const c = newConsumer(ctx, {
    groupId: o.groupId,
    sessionTimeoutMs: o.sessionTimeoutMs,
    instanceId: o.instanceId,
    // Called before every JoinGroup: the partitions this member gives up in a cooperative
    // rebalance go to their new owner only after the chunk being handled is committed or
    // aborted. Kafka's own clients do the same in onPartitionsRevoked.
    beforeJoin: async () => {
      const from = Date.now();
      await inFlight?.catch(() => undefined);
      o.onGroupStep?.({ step: 'waited before joining', ms: Date.now() - from });
    },
  });
  /** Per partition, the first offset not yet committed by this member. */
  const next = new Map<string, bigint>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const member: MemberHandle = {
    consumer: c,
    committed(topic, partition, offset) {
      // A partition given up meanwhile starts afresh (its stable offset) if it comes back.
      if (!member.owns(topic, partition)) return;
      const k = key(topic, partition);
      if ((next.get(k) ?? -1n) < offset) next.set(k, offset);
    },
    owns: (topic, partition) =>
      c.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ?? false,
  };
  let joins = 0;
  c.on('consumer:group:join', () => {
    // Partitions that went elsewhere: another member may move them on; start afresh if they return.
    for (const k of next.keys()) {
      const [topic = '', partition = ''] = k.split('\u0000');
      if (!member.owns(topic, Number(partition))) next.delete(k);
    }
    if (joins++ > 0) o.onRebalance?.();
    o.onGroupStep?.({
      step: 'joined',
      generation: c.generationId,
      partitions: (c.assignments ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`)),
    });
  });

  const open = () =>
    guard(`join group ${o.groupId}`, () =>
      c.consume({
        topics: [...o.topics],
        mode: 'committed',
        fallbackMode: o.fromBeginning === true ? 'earliest' : 'latest',
        autocommit: false,
        isolationLevel: READ_COMMITTED,
      }),
    );
  let stream: Stream = await open().catch(async (err: unknown) => {
    await c.close(true).catch(() => undefined);
    throw err;
  });
  let stopping = false;

  /**
   * Drops what this member has committed already, records handed over twice, and partitions it
   * no longer owns (their new owner reads them); a partition new to it starts at its stable offset.
   */
  async function fresh(msgs: Message[]): Promise<Message[]> {
    const first = msgs[0] as Message;
    if (!member.owns(first.topic, first.partition)) return [];
    const k = key(first.topic, first.partition);
    let from = next.get(k);
    if (from === undefined) {
      const started = Date.now();
      const joinsBefore = joins;
      const read = await stableOffset(ctx, o.groupId, first.topic, first.partition);
      // The group changed during the read: the partition may have moved away and back, and
      // the offset read may be older than its other owner's last commit. Decide again.
      if (joins !== joinsBefore) return fresh(msgs);
      from = read.offset;
      next.set(k, from);
      o.onGroupStep?.({
        step: 'stable offset read',
        topic: first.topic,
        partition: first.partition,
        offset: String(from),
        attempts: read.attempts,
        ms: Date.now() - started,
      });
    }
    return unseen(msgs, from);
  }

  const run = (async () => {
    for (;;) {
      let reopened: Stream | undefined;
      await drainChunks(stream, o.gather, async (chunk) => {
        if (stopping) return 'stop';
        const partitions: Message[][] = [];
        for (const msgs of Map.groupBy(chunk, (m) => key(m.topic, m.partition)).values()) {
          const kept = await fresh(msgs);
          if (kept.length > 0) partitions.push(kept);
        }
        if (partitions.length === 0) return undefined;
        const work = handle(partitions, member);
        inFlight = work;
        let outcome: 'rewind' | undefined;
        try {
          outcome = await work;
        } finally {
          inFlight = undefined;
        }
        if (outcome !== 'rewind' || stopping) return outcome;
        o.onRewind?.();
        // A fresh stream reads every owned partition from its committed offset. It is opened
        // before the old one is dropped, so the topics stay subscribed and the member stays in
        // the group: no rebalance. What the old one had fetched beyond the chunk goes with it.
        reopened = await open();
        return 'rewind';
      });
      if (reopened === undefined) return;
      const old = stream;
      stream = reopened;
      await old.close().catch(() => undefined);
      if (stopping) return;
    }
  })();
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
    // A rewind may have opened a stream meanwhile.
    await stream.close().catch(() => undefined);
    const from = Date.now();
    // Leaving the group (LeaveGroup) is what hands the partitions over now: a member gone
    // without it keeps them until its session times out, static members (an instance id) too.
    // force: a stream still open (one a rewind opened as the stop began) is closed first; the
    // client would otherwise refuse to leave, and the failure was silent.
    await c.close(true).then(
      () => o.onGroupStep?.({ step: 'left the group', ms: Date.now() - from }),
      (err: unknown) =>
        o.onGroupStep?.({
          step: 'leaving the group failed',
          ms: Date.now() - from,
          error: err instanceof Error ? err.message : String(err),
        }),
    );
  };
  ctx.closers.add(close);
  return { done, close };
}

/**
 * Runs `stream` in chunks: what is buffered when a message arrives is what one fetch returned;
 * with `gather`, fetches are added until `records` or until `waitMs` passed since the chunk's
 * first record. The handler's 'rewind' or 'stop' ends the loop (the stream is then dropped).
 */
async function drainChunks(
  stream: Stream,
  gather: MemberOptions['gather'],
  onChunk: (chunk: Message[]) => Promise<'rewind' | 'stop' | undefined>,
): Promise<'rewind' | 'stop' | 'ended'> {
  const max = gather?.records ?? CHUNK_RECORDS;
  const it = (stream as AsyncIterable<Message>)[Symbol.asyncIterator]();
  let chunk: Message[] = [];
  let due = 0;
  let pending: Promise<IteratorResult<Message>> | undefined;
  try {
    for (;;) {
      pending ??= it.next();
      let r: IteratorResult<Message> | 'timeout';
      if (chunk.length === 0 || gather === undefined) r = await pending;
      else {
        const wait = due - Date.now();
        r = wait <= 0 ? 'timeout' : await Promise.race([pending, sleep(wait, 'timeout' as const)]);
      }
      if (r !== 'timeout') pending = undefined;
      if (r !== 'timeout' && r.done === true) {
        if (chunk.length > 0) {
          const outcome = await onChunk(chunk);
          if (outcome !== undefined) return outcome;
        }
        return 'ended';
      }
      if (r !== 'timeout') {
        if (chunk.length === 0) due = Date.now() + (gather?.waitMs ?? 0);
        chunk.push(r.value);
      }
      const full = chunk.length >= max;
      const fetchDone = stream.readableLength === 0 && gather === undefined;
      if (r === 'timeout' || full || fetchDone) {
        const ready = chunk;
        chunk = [];
        const outcome = await onChunk(ready);
        if (outcome !== undefined) return outcome;
      }
    }
  } finally {
    // Leaving early (rewind, stop) must not leave a read waiting on a stream about to close.
    pending?.catch(() => undefined);
    await it.return?.().catch(() => undefined);
  }
}

/**
 * The group's committed offset of a partition, waiting while a transaction that commits it is
 * open (require_stable): the client's own offset read does not wait, so a partition that moved
 * in a rebalance could be read from before the previous owner's last transaction.
 */
async function stableOffset(
  ctx: ClientContext,
  groupId: string,
  topic: string,
  partition: number,
): Promise<{ offset: bigint; attempts: number }> {
  const deadline = Date.now() + STABLE_OFFSET_WAIT_MS;
  for (let attempts = 1; ; attempts++) {
    try {
      const [group] = await ctx.admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [partition] }] }],
        requireStable: true,
      });
      const p = group?.topics
        .find((t) => t.name === topic)
        ?.partitions.find((x) => x.partitionIndex === partition);
      return { offset: p === undefined || p.committedOffset < 0n ? -1n : p.committedOffset, attempts };
    } catch (err) {
      const e = toKafkaError(err, `committed offset of ${topic}/${partition}`);
      if (!e.retryable || Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
}

/**
 * Keeps a group member running: when Kafka trouble stops it (the stream failed, the broker away
 * longer than the client retries), a new member joins after a second and resumes from the
 * committed offsets. An error of the handler's own stops it for good (done rejects).
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
