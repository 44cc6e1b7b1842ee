/**
 * The one module that imports the Kafka client SDK (@platformatic/kafka; why, in docs/kafka.md
 * "Client choice"). Everything else sees Buffers, bigint offsets, plain records and our typed
 * errors, so the client can be swapped here alone.
 */
import { randomUUID } from 'node:crypto';
import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  FetchIsolationLevels,
  ProduceAcks,
  Producer,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import { KafkaError, toKafkaError } from './errors.ts';

export interface KafkaOptions {
  brokers: readonly string[];
  clientId: string;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level settings, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Readonly<Record<string, string>>;
}

export interface OutgoingMessage {
  topic: string;
  key: Buffer | string;
  /** null is a tombstone: on a compacted topic it deletes the key. */
  value: Buffer | null;
  headers?: Readonly<Record<string, string | Buffer>>;
}

export interface KafkaMessage {
  topic: string;
  partition: number;
  offset: bigint;
  key: Buffer | null;
  /** null for a tombstone. */
  value: Buffer | null;
  headers: Record<string, Buffer>;
  /** Milliseconds since the epoch, as the producer or broker stamped it. */
  timestamp: bigint;
}

/** Messages of one partition, in offset order. */
export interface KafkaBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface KafkaProducer {
  /** Resolves once every in-sync replica has the messages (acks=all); rejects with KafkaError. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed offset starts: earliest (true) or only new messages. */
  fromBeginning?: boolean;
  /**
   * Called per partition batch; the batch's offsets are committed only after it resolves, so a
   * crash redelivers it (at-least-once). A rejection stops the consumer without committing.
   */
  onBatch: (batch: KafkaBatch) => Promise<void>;
  /** Commits are always explicit, after onBatch; the literal keeps call sites honest. */
  autoCommit: false;
  sessionTimeoutMs?: number;
  /** Told when Kafka trouble replaced the member (see supervise in client.ts). */
  onRestart?: (err: KafkaError) => void;
}

/**
 * Consume-transform-produce, exactly once on the Kafka side: what onBatch returns for a
 * partition batch is produced in one transaction together with the batch's consumer offsets,
 * so a crash or a rebalance either publishes both or neither. Consumers of the output topics
 * read committed records only (every consumer here does).
 */
export interface TransformOptions {
  groupId: string;
  topics: readonly string[];
  fromBeginning?: boolean;
  /**
   * Unique per process and stable across its restarts where possible: a producer starting with
   * the id fences its predecessor at once; otherwise the predecessor's open transaction is
   * aborted by the broker after the transaction timeout.
   */
  transactionalId: string;
  onBatch: (batch: KafkaBatch) => Promise<readonly OutgoingMessage[]>;
  sessionTimeoutMs?: number;
  /** Told when a failed transaction restarts the consumer (the batch is then read again). */
  onRestart?: (err: KafkaError) => void;
}

export interface KafkaConsumer {
  /** Settles when the consumer stops: resolves after close(), rejects with what stopped it. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export interface ReadOptions {
  /** Stop once the end offsets taken at start are reached (true), or keep following (false). */
  untilEnd: boolean;
}

export interface TopicReader {
  /** Resolves once every record below the end offsets taken at start has been handled. */
  readonly caughtUp: Promise<void>;
  /** Settles when the reader stops: resolves after close() or untilEnd, rejects on failure. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

export interface OffsetRange {
  partition: number;
  /** First offset read. */
  from: bigint;
  /** First offset not read. */
  to: bigint;
}

export interface KafkaAdmin {
  /** Creates the missing topics, waits for their leaders; checks the config of existing ones. */
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** The next offset to be written, per partition (index = partition). */
  endOffsets(topic: string): Promise<bigint[]>;
  /** The first offset still in the log, per partition. */
  startOffsets(topic: string): Promise<bigint[]>;
  /** Per partition, the first offset whose timestamp is at or after `ms` (the end where none). */
  offsetsForTime(topic: string, ms: number): Promise<bigint[]>;
  topicConfig(topic: string): Promise<Record<string, string>>;
  deleteTopics(names: readonly string[]): Promise<void>;
}

export interface ProducerOptions {
  /**
   * Attempts of a send, about a second apart, before it rejects. Unset: retried until the broker
   * answers (the client's default for idempotent producers), for stages that can only wait. A
   * producer whose send failed may be out of step with the broker: replace it.
   */
  retries?: number;
}

export interface Kafka {
  readonly admin: KafkaAdmin;
  producer(options?: ProducerOptions): KafkaProducer;
  consumer(options: ConsumerOptions): Promise<KafkaConsumer>;
  transform(options: TransformOptions): Promise<KafkaConsumer>;
  /**
   * Reads [from, to) of the given partitions with no group offsets (replay), one partition batch
   * at a time in offset order; resolves once every range is read.
   */
  readRange(
    topic: string,
    ranges: readonly OffsetRange[],
    onBatch: (batch: KafkaBatch) => Promise<void>,
  ): Promise<void>;
  /** Reads a topic from its first offset with no group offsets: e.g. every matcher on `templates`. */
  readFromBeginning(
    topic: string,
    onMessage: (message: KafkaMessage) => Promise<void> | void,
    options: ReadOptions,
  ): Promise<TopicReader>;
  close(): Promise<void>;
}

const LEADER_WAIT_MS = 10_000;

function toMessage(m: Message): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of m.headers) headers[k.toString()] = v;
  // The client delivers a tombstone's value as undefined (and a missing key likewise).
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
    timestamp: m.timestamp,
  };
}

/**
 * Runs `stream` in fetch-sized chunks: what is buffered when a message arrives is what one fetch
 * returned, so draining it gives batches without waiting for a size or a timer.
 */
async function drain(
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
  onChunk: (chunk: Message[]) => Promise<void>,
): Promise<void> {
  let chunk: Message[] = [];
  for await (const m of stream as AsyncIterable<Message>) {
    chunk.push(m);
    if (chunk.length >= 5000 || stream.readableLength === 0) {
      const ready = chunk;
      chunk = [];
      await onChunk(ready);
    }
  }
  if (chunk.length > 0) await onChunk(chunk);
}

function toProduceMessages(messages: readonly OutgoingMessage[]) {
  return messages.map((m) => ({
    topic: m.topic,
    key: typeof m.key === 'string' ? Buffer.from(m.key) : m.key,
    value: m.value ?? undefined,
    headers:
      m.headers === undefined
        ? undefined
        : new Map(
            Object.entries(m.headers).map(([k, v]) => [
              Buffer.from(k),
              typeof v === 'string' ? Buffer.from(v) : v,
            ]),
          ),
  }));
}

/**
 * A broker refuses a record batch over `message.max.bytes` (1 MiB by default) with
 * MESSAGE_TOO_LARGE, which the client reports as "Producing messages failed": a matcher's
 * output for a full fetch, or a 10 MB ingest request, is one partition's batch when one org
 * sent it. Sends are cut into parts well under that; in a transaction the parts commit together.
 */
const MAX_SEND_BYTES = 512 * 1024;
/** Record framing on top of key, value and headers (varints, attributes, deltas): an upper bound. */
const RECORD_OVERHEAD_BYTES = 32;

export function* underRequestLimit(messages: readonly OutgoingMessage[]): Generator<OutgoingMessage[]> {
  let chunk: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    let size = RECORD_OVERHEAD_BYTES + (m.value?.length ?? 0) + Buffer.byteLength(m.key);
    for (const [k, v] of Object.entries(m.headers ?? {}))
      size += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
    if (chunk.length > 0 && bytes + size > MAX_SEND_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

/** Carries a handler's own error through the consumer loop, so it is not taken for Kafka's. */
class HandlerFailure extends Error {}

async function callHandler<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new HandlerFailure('handler failed', { cause: err });
  }
}

/**
 * Bytes one fetch may return. The client's default, 50 MB, is decoded into objects all at once:
 * a matcher starting on a backlog peaked near 900 MB (bench:kafka). 4 MiB is still thousands of
 * logs per fetch, which is what batching needs.
 */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;

/** Transactions leave commit markers in the log; consumers skip them and aborted records. */
const READ_COMMITTED = FetchIsolationLevels.READ_COMMITTED;

export function createKafka(options: KafkaOptions): Kafka {
  const base = { clientId: options.clientId, bootstrapBrokers: [...options.brokers] };
  const admin = new Admin(base);
  const closers = new Set<() => Promise<void>>();
  let closed = false;

  async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toKafkaError(err, what);
    }
  }

  async function partitionCount(topic: string): Promise<number> {
    const meta = await admin.metadata({ topics: [topic], forceUpdate: true });
    const t = meta.topics.get(topic);
    if (t === undefined) throw new KafkaError('KAFKA_ERROR', `topic ${topic} does not exist`);
    return t.partitionsCount;
  }

  /** Per partition: -1n the end (last stable offset), -2n the start, else the first at or after a time. */
  async function offsetsAt(topic: string, timestamp: bigint): Promise<bigint[]> {
    return guard(`offsets of ${topic}`, async () => {
      const n = await partitionCount(topic);
      const listed = await admin.listOffsets({
        // The last stable offset: a reader that must reach the end waits for open transactions.
        isolationLevel: READ_COMMITTED,
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: n }, (_, p) => ({ partitionIndex: p, timestamp })),
          },
        ],
      });
      const out = Array.from({ length: n }, () => 0n);
      for (const p of listed[0]?.partitions ?? []) out[p.partitionIndex] = p.offset;
      return out;
    });
  }

  async function endOffsets(topic: string): Promise<bigint[]> {
    return offsetsAt(topic, -1n);
  }

  async function topicConfig(topic: string): Promise<Record<string, string>> {
    return guard(`describe configs of ${topic}`, async () => {
      const [described] = await admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
      });
      const out: Record<string, string> = {};
      for (const c of described?.configs ?? []) if (typeof c.value === 'string') out[c.name] = c.value;
      return out;
    });
  }

  // createTopics returns before the partitions have leaders; a first send in that window is
  // retried by the client and, measured here, can even be written twice without idempotence.
  async function waitForLeaders(names: readonly string[]): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      const meta = await admin.metadata({ topics: [...names], forceUpdate: true }).catch(() => undefined);
      const ready = names.every((n) => {
        const t = meta?.topics.get(n);
        return (
          t !== undefined &&
          t.partitions.length === t.partitionsCount &&
          t.partitions.every((p) => p.leader >= 0)
        );
      });
      if (ready) return;
      if (Date.now() > deadline)
        throw new KafkaError(
          'KAFKA_UNAVAILABLE',
          `topics ${names.join(', ')} have no leader after ${LEADER_WAIT_MS} ms`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const kafkaAdmin: KafkaAdmin = {
    async ensureTopics(specs) {
      const existing = new Set(await guard('list topics', () => admin.listTopics()));
      const missing = specs.filter((s) => !existing.has(s.name));
      for (const s of missing) {
        await guard(`create topic ${s.name}`, () =>
          admin.createTopics({
            topics: [s.name],
            partitions: s.partitions,
            replicas: s.replicationFactor,
            configs: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          }),
        ).catch((err: unknown) => {
          // Another process (a second matcher starting) created it between list and create.
          const cause = (err as { cause?: { findBy?: (k: string, v: unknown) => unknown } }).cause;
          if (cause?.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS') == null) throw err;
        });
      }
      if (missing.length > 0) await waitForLeaders(missing.map((s) => s.name));
      // An existing topic with the wrong cleanup policy would silently lose templates (delete)
      // or never expire logs (compact): refuse to start rather than run on it.
      for (const s of specs) {
        if (!existing.has(s.name) || s.config === undefined) continue;
        const actual = await topicConfig(s.name);
        for (const [k, v] of Object.entries(s.config)) {
          if (actual[k] !== v) {
            throw new KafkaError(
              'KAFKA_TOPIC_MISMATCH',
              `topic ${s.name} has ${k}=${actual[k] ?? '(unset)'}, the service needs ${v}`,
            );
          }
        }
      }
    },
    endOffsets,
    startOffsets: (topic) => offsetsAt(topic, -2n),
    async offsetsForTime(topic, ms) {
      const [at, ends] = await Promise.all([offsetsAt(topic, BigInt(ms)), endOffsets(topic)]);
      // The broker answers -1 for a partition with nothing at or after the time.
      return at.map((o, p) => (o < 0n ? (ends[p] ?? 0n) : o));
    },
    topicConfig,
    async deleteTopics(names) {
      if (names.length > 0) await guard('delete topics', () => admin.deleteTopics({ topics: [...names] }));
    },
  };

  function producer(po: ProducerOptions = {}): KafkaProducer {
    // Idempotent: the client retries a produce whose answer it lost; without idempotence the
    // broker writes those records twice.
    const p = new Producer({
      ...base,
      acks: ProduceAcks.ALL,
      idempotent: true,
      ...(po.retries === undefined ? {} : { retries: Math.max(2, po.retries) }),
    });
    const close = async () => {
      closers.delete(close);
      await p.close();
    };
    closers.add(close);
    return {
      async send(messages) {
        if (messages.length === 0) return;
        for (const chunk of underRequestLimit(messages)) {
          await guard('send', () => p.send({ acks: ProduceAcks.ALL, messages: toProduceMessages(chunk) }));
        }
      },
      close,
    };
  }

  /**
   * A group member that hands each partition batch to `handle` and stops (done rejects) when
   * handle throws. `handle` also decides how the batch is committed.
   */
  async function groupMember(
    o: { groupId: string; topics: readonly string[]; fromBeginning?: boolean; sessionTimeoutMs?: number },
    handle: (msgs: Message[], consumer: Consumer) => Promise<void>,
  ): Promise<KafkaConsumer> {
    const c = new Consumer({
      ...base,
      maxBytes: FETCH_MAX_BYTES,
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      maxWaitTime: 500,
    });
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
        throw err instanceof HandlerFailure ? err.cause : toKafkaError(err, `consume ${o.topics.join(', ')}`);
      },
    );
    // The caller may only look at `done` after close(); an unobserved rejection must not crash.
    done.catch(() => undefined);
    const close = async () => {
      closers.delete(close);
      stopping = true;
      await stream.close().catch(() => undefined);
      await done.catch(() => undefined);
      await c.close().catch(() => undefined);
    };
    closers.add(close);
    return { done, close };
  }

  const batchOf = (msgs: Message[]): KafkaBatch => {
    const first = msgs[0] as Message;
    return { topic: first.topic, partition: first.partition, messages: msgs.map(toMessage) };
  };

  async function consumer(o: ConsumerOptions): Promise<KafkaConsumer> {
    return supervise(() => groupMember(o, handleBatch), o.onRestart);
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

  async function transform(o: TransformOptions): Promise<KafkaConsumer> {
    // One producer per member: a transaction that failed half-way can leave the client's
    // producer unusable ("already an active transaction"), so it is replaced with the member.
    const member = async (): Promise<KafkaConsumer> => {
      const p = new Producer({
        ...base,
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
      const consumer = await groupMember(o, processBatch).catch(async (err: unknown) => {
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
    return supervise(member, o.onRestart);
  }

  /**
   * Keeps a group member running: when Kafka trouble stops it (a rebalance that failed a
   * transaction or commit, the broker away longer than the client retries), a new member
   * joins after a second and resumes from the committed offsets. An error of the handler's
   * own stops it for good (done rejects).
   */
  async function supervise(
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
      closers.delete(close);
      stopping = true;
      await current?.close();
      await done.catch(() => undefined);
    };
    closers.add(close);
    return { done, close };
  }

  async function readFromBeginning(
    topic: string,
    onMessage: (m: KafkaMessage) => Promise<void> | void,
    ro: ReadOptions,
  ): Promise<TopicReader> {
    const ends = await endOffsets(topic);
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
      const c = new Consumer({
        ...base,
        maxBytes: FETCH_MAX_BYTES,
        groupId: `${options.clientId}-reader-${randomUUID()}`,
        maxWaitTime: 500,
      });
      try {
        const s = await guard(`read ${topic}`, () =>
          c.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel: READ_COMMITTED }),
        );
        stream = s;
        if (stopping) return;
        // Positions come from the fetch (past compacted-away records), not from the last record
        // handled, so the end is reached even when the tail of a partition was compacted away.
        const atEnd = () =>
          ends.every((end, p) => end === 0n || (s.offsetsToFetch.get(`${topic}:${p}`) ?? -1n) >= end);
        if (atEnd()) caughtUp.resolve();
        if (ro.untilEnd && atEnd()) return;
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
        throw err instanceof HandlerFailure ? err.cause : toKafkaError(err, `read ${topic}`);
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
          caughtUp.reject(
            new KafkaError('KAFKA_ERROR', `reader of ${topic} stopped before reaching the end`),
          );
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
      closers.delete(close);
      stopping = true;
      await stream?.close().catch(() => undefined);
      await done.catch(() => undefined);
    };
    closers.add(close);
    done.then(
      () => closers.delete(close),
      () => closers.delete(close),
    );
    return { caughtUp: caughtUp.promise, done, close };
  }

  async function readRange(
    topic: string,
    ranges: readonly OffsetRange[],
    onBatch: (batch: KafkaBatch) => Promise<void>,
  ): Promise<void> {
    const wanted = ranges.filter((r) => r.to > r.from);
    if (wanted.length === 0) return;
    const byPartition = new Map(wanted.map((r) => [r.partition, r]));
    const n = await guard(`partitions of ${topic}`, () => partitionCount(topic));
    const ends = await endOffsets(topic);
    // Partitions outside the ranges start at their end, so they hand over nothing old.
    const offsets = Array.from({ length: n }, (_, p) => ({
      topic,
      partition: p,
      offset: byPartition.get(p)?.from ?? ends[p] ?? 0n,
    }));
    const c = new Consumer({
      ...base,
      maxBytes: FETCH_MAX_BYTES,
      groupId: `${options.clientId}-range-${randomUUID()}`,
      maxWaitTime: 500,
    });
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
      throw err instanceof HandlerFailure ? err.cause : toKafkaError(err, `read ${topic}`);
    } finally {
      await c.close(true).catch(() => undefined);
    }
  }

  return {
    admin: kafkaAdmin,
    readRange,
    producer,
    consumer,
    transform,
    readFromBeginning,
    async close() {
      if (closed) return;
      closed = true;
      for (const close of [...closers]) await close();
      await admin.close();
    },
  };
}
