/**
 * A stage between two topics, exactly once on the Kafka side: each partition batch of the input
 * is decoded and handed to `handle`, and what it returns (the stage's outboxes, taken) is
 * produced in one transaction with the batch's offsets and its dead letters. A process killed
 * anywhere leaves either all of a batch's output or none, and the batch is read again exactly
 * when its output is not there. Used by the matcher (logs.raw → matched + unmatched) and the
 * generator (logs.unmatched → matched + templates).
 */
import type { Logger } from '../../logger.ts';
import type { Serde } from './channel.ts';
import type { Kafka, KafkaConsumer, KafkaMessage, OutgoingMessage } from './client/index.ts';
import { deadLetterFor } from './dead-letter.ts';

export interface TransformStats {
  batches: number;
  records: number;
  deadLettered: number;
  /** Group members replaced after Kafka trouble (the stream failed, the broker away). */
  restarts: number;
  /**
   * Transactions aborted and their batches read again by the same member (refused in a
   * rebalance, or the broker away for a moment); nothing of them was published.
   */
  aborts: number;
  /** Rebalances this member took part in after joining (a member joining or leaving the group). */
  rebalances: number;
}

export interface TransformOptions<T> {
  kafka: Kafka;
  topic: string;
  serde: Serde<T>;
  groupId: string;
  transactionalId: string;
  /** Static group membership: stable across restarts of the process when KAFKA_INSTANCE_ID is set. */
  instanceId: string;
  deadLetterTopic: string;
  /**
   * Handles one partition's items in order (`offsets[i]` is where items[i] was read, `subs[i]`
   * its place among the items of that record); resolves with the records to publish for them.
   */
  handle: (items: T[], origin: RecordOrigin) => Promise<readonly OutgoingMessage[]>;
  /**
   * The items of one record, where a record may hold several (OTLP on logs.raw); default: the
   * serde's one item. Throws for a record it cannot read (the dead-letter topic).
   */
  decodeAll?: (m: KafkaMessage) => T[];
  /**
   * What a decoded record must also pass (a direct producer's log, validated as an HTTP one):
   * the item to hand on (normalised), or why it is refused, which goes to the dead-letter topic
   * like an undecodable record.
   */
  admit?: (item: T) => T | { refused: string };
  logger: Logger;
}

/** Where a partition batch's items were read. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offsets: bigint[];
  /** Each item's index among the items its record held (0 for a record of one). */
  subs: number[];
}

export interface RunningTransform {
  readonly consumer: KafkaConsumer;
  stats(): TransformStats;
}

function isRefusal(value: unknown): value is { refused: string } {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

export async function startTransform<T>(o: TransformOptions<T>): Promise<RunningTransform> {
  const stats: TransformStats = {
    batches: 0,
    records: 0,
    deadLettered: 0,
    restarts: 0,
    aborts: 0,
    rebalances: 0,
  };
  const consumer = await o.kafka.transform({
    groupId: o.groupId,
    topics: [o.topic],
    fromBeginning: true,
    transactionalId: o.transactionalId,
    instanceId: o.instanceId,
    onRestart(err) {
      stats.restarts++;
      o.logger.warn({ err: err.message, topic: o.topic }, 'consumer restarting after Kafka trouble');
    },
    onAbort(err) {
      stats.aborts++;
      o.logger.info({ err: err.message, topic: o.topic }, 'transaction aborted; its batch is read again');
    },
    onRebalance() {
      stats.rebalances++;
    },
    onGroupStep({ step, ...details }) {
      o.logger.info({ topic: o.topic, groupId: o.groupId, ...details }, `consumer group: ${step}`);
    },
    async onBatch(batch) {
      const items: T[] = [];
      const offsets: bigint[] = [];
      const subs: number[] = [];
      const dead: OutgoingMessage[] = [];
      for (const m of batch.messages) {
        try {
          const decoded = o.decodeAll === undefined ? [o.serde.decode(m.key, m.value)] : o.decodeAll(m);
          // A record of several logs keeps the valid ones; it goes to the dead-letter topic
          // too when some were refused, the reason naming which (the rest are not redone).
          const refused: string[] = [];
          for (let sub = 0; sub < decoded.length; sub++) {
            const admitted = o.admit === undefined ? decoded[sub]! : o.admit(decoded[sub]!);
            if (isRefusal(admitted)) {
              refused.push(decoded.length === 1 ? admitted.refused : `logs[${sub}]: ${admitted.refused}`);
              continue;
            }
            items.push(admitted);
            offsets.push(m.offset);
            subs.push(sub);
          }
          if (refused.length > 0) {
            const stored = decoded.length - refused.length;
            const why = refused.slice(0, 5).join('; ');
            dead.push(
              deadLetterFor(
                m,
                stored === 0
                  ? why
                  : `${refused.length} of ${decoded.length} logs refused (the other ${stored} stored): ${why}`,
                o.deadLetterTopic,
                o.groupId,
              ),
            );
          }
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          dead.push(deadLetterFor(m, reason, o.deadLetterTopic, o.groupId));
        }
      }
      if (dead.length > 0) {
        o.logger.warn(
          {
            topic: o.topic,
            partition: batch.partition,
            count: dead.length,
            deadLetterTopic: o.deadLetterTopic,
          },
          'undecodable or invalid records sent to the dead-letter topic',
        );
      }
      const origin = { topic: batch.topic, partition: batch.partition, offsets, subs };
      const out = items.length > 0 ? await o.handle(items, origin) : [];
      // Counted once the output exists; a batch whose transaction then fails is counted again.
      stats.batches++;
      stats.records += batch.messages.length;
      stats.deadLettered += dead.length;
      return dead.length > 0 ? [...dead, ...out] : out;
    },
  });
  return { consumer, stats: () => ({ ...stats }) };
}
