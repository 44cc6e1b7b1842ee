/** What each Kafka client under test must do for bench/kafka-clients.ts: the three things the roles need. */
export interface BenchMessage {
  key: Buffer;
  value: Buffer | null;
}

export interface Delivered {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

export interface Member {
  /** Leaves the group gracefully (commits nothing more, LeaveGroup sent). */
  stop(): Promise<void>;
}

export interface ReadResult {
  /** Records in delivery order, per partition in offset order. */
  records: Delivered[];
  /** How the adapter knew it had reached the end, for the report. */
  endVia: string;
  /** What a tombstone's value looked like when delivered (null, undefined, empty Buffer). */
  tombstoneAs: string;
}

export interface ClientAdapter {
  readonly name: string;
  createTopic(topic: string, partitions: number, config?: Record<string, string>): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  /** Sends one batch with acks=-1 and resolves once the broker acknowledged all of it. */
  send(topic: string, messages: BenchMessage[]): Promise<void>;
  /**
   * Joins `groupId` on `topic` from the earliest offset; calls `onBatch` with what one fetch
   * returned for one partition and commits (offset + 1 of its last record) only after it resolves.
   */
  member(topic: string, groupId: string, onBatch: (batch: Delivered[]) => Promise<void>): Promise<Member>;
  /** Reads every partition of `topic` from the beginning to its end offset at call time, no committed offsets. */
  readToEnd(topic: string): Promise<ReadResult>;
  close(): Promise<void>;
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Buffer.isBuffer(v)) return v.length === 0 ? 'empty Buffer' : 'Buffer';
  return typeof v;
}
