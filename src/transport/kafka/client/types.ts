/**
 * What the rest of the service sees of the Kafka client: Buffers, bigint offsets, plain records
 * and our typed errors (../errors.ts). The client SDK stays inside this folder.
 */
import type { KafkaError } from '../errors.ts';

export interface KafkaOptions {
  brokers: readonly string[];
  clientId: string;
  /** Bytes one fetch of a consumer may return (all its partitions together); default 1 MiB. */
  fetchMaxBytes?: number;
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

/** What a group member tells of itself (counters for /stats and bench:kafka). */
export interface MemberEvents {
  /** Told at each rebalance this member took part in after its first join. */
  onRebalance?: () => void;
  /** Told when work was read again from the committed offsets (a transaction refused in a rebalance). */
  onRewind?: () => void;
  /**
   * Told at each step of the member's life in the group, with how long it took: what the service
   * log shows of a rebalance, on every member, to tell where a pause came from.
   */
  onGroupStep?: (step: GroupStep) => void;
}

/** One step of a group member (see MemberEvents.onGroupStep); `ms` is how long it took. */
export type GroupStep =
  /** The wait before a JoinGroup for the chunk being handled (its partitions may be given up). */
  | { step: 'waited before joining'; ms: number }
  /** A rebalance ended: the member's generation and partitions (`topic/partition`). */
  | { step: 'joined'; generation: number; partitions: string[] }
  /** A partition new to the member: its stable committed offset (-1: none), read after `attempts` tries. */
  | {
      step: 'stable offset read';
      topic: string;
      partition: number;
      offset: string;
      attempts: number;
      ms: number;
    }
  /** A clean stop: the member left the group (LeaveGroup), its partitions go to the others now. */
  | { step: 'left the group'; ms: number }
  /** A clean stop whose LeaveGroup failed: the group waits for the session timeout instead. */
  | { step: 'leaving the group failed'; ms: number; error: string };

/** Group membership settings every group consumer shares. */
export interface MembershipOptions extends MemberEvents {
  groupId: string;
  topics: readonly string[];
  /** Where a group with no committed offset starts: earliest (true) or only new messages. */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /**
   * Static membership (group.instance.id): stable across restarts of the same process (set
   * KAFKA_INSTANCE_ID), so a restart within the session timeout causes no rebalance.
   */
  instanceId?: string;
  /** Told when Kafka trouble replaced the member (see supervise in consumer-group.ts). */
  onRestart?: (err: KafkaError) => void;
}

/**
 * Records of several partitions gathered into one chunk and committed together after
 * onBatches resolves: up to `gather.records`, waiting at most `gather.waitMs` for more.
 */
export interface GatherOptions extends MembershipOptions {
  gather: { records: number; waitMs: number };
  /** One batch per partition of the chunk; a rejection stops the consumer without committing. */
  onBatches: (batches: KafkaBatch[]) => Promise<void>;
}

export interface ConsumerOptions extends MembershipOptions {
  /**
   * Called per partition batch; the batch's offsets are committed only after it resolves, so a
   * crash redelivers it (at-least-once). A rejection stops the consumer without committing.
   */
  onBatch: (batch: KafkaBatch) => Promise<void>;
  /** Commits are always explicit, after onBatch; the literal keeps call sites honest. */
  autoCommit: false;
}

/**
 * Consume-transform-produce, exactly once on the Kafka side: what onBatch returns for a
 * partition batch is produced in one transaction together with the batch's consumer offsets,
 * so a crash or a rebalance either publishes both or neither. Consumers of the output topics
 * read committed records only (every consumer here does).
 */
export interface TransformOptions extends MembershipOptions {
  /**
   * Unique per process and stable across its restarts where possible: a producer starting with
   * the id fences its predecessor at once; otherwise the predecessor's open transaction is
   * aborted by the broker after the transaction timeout.
   */
  transactionalId: string;
  onBatch: (batch: KafkaBatch) => Promise<readonly OutgoingMessage[]>;
  /** Told when a transaction was refused or failed: it was aborted and its batch is read again. */
  onAbort?: (err: KafkaError) => void;
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
  /** A consumer group's committed offset per partition of a topic (index = partition; -1n: none). */
  committedOffsets(groupId: string, topic: string): Promise<bigint[]>;
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
  /** A group consumer that gathers several partitions' records per handler call (the writer). */
  gather(options: GatherOptions): Promise<KafkaConsumer>;
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
