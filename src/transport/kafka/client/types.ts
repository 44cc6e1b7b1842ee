/**
 * What the rest of the service sees of the Kafka client: Buffers, bigint offsets, plain records
 * and our typed errors (../errors.ts). The client SDK stays inside this folder.
 */
import type { KafkaError } from '../errors.ts';

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
