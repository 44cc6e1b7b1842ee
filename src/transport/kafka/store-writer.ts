/**
 * The ClickHouse writer of Kafka mode: consumes the matched-logs topic in one consumer group and
 * stores each record exactly once. Exactly once = at-least-once delivery + idempotent inserts:
 * the consumer gathers records of every partition it owns into a piece of up to `batchSize`
 * (CLICKHOUSE_BUFFER_SIZE) rows, waiting at most `gatherWaitMs` for more, and commits the
 * piece's offsets only after onBatches resolved; onBatches resolves only after every row of the
 * piece is stored (or dead-lettered), so a crash anywhere before that redelivers from the
 * committed offsets; the store's run writer (store/exactly-once.ts, where the argument
 * continues) makes storing a piece again a no-op. Memory is bounded by one piece.
 */
import type { Logger } from '../../logger.ts';
import type { StoredLog } from '../../model/log.ts';
import {
  createRunWriter,
  type OffsetRow,
  type PartitionRange,
  type RunStore,
  type RunWriterStats,
} from '../../store/exactly-once.ts';
import type { AvroCodec } from './avro/codec.ts';
import type { Kafka, KafkaBatch, KafkaConsumer, KafkaProducer, OutgoingMessage } from './client/index.ts';
import { rowIdAt } from '../../model/row-id.ts';
import type { Refusal } from './admit.ts';
import { deadLetterFor } from './dead-letter.ts';

export interface KafkaWriterOptions {
  kafka: Kafka;
  store: RunStore;
  codec: AvroCodec<StoredLog>;
  topic: string;
  groupId: string;
  /** Static group membership (see transform.ts): a restarted writer takes its partitions back at once. */
  instanceId?: string;
  deadLetterTopic: string;
  /** Rows per insert at most (CLICKHOUSE_BUFFER_SIZE), gathered across partitions. */
  batchSize: number;
  /** How long a piece waits for more records before it is stored with fewer. */
  gatherWaitMs: number;
  retryInitialBackoffMs: number;
  retryMaxBackoffMs: number;
  logger: Logger;
  /** Shared producer for dead letters; one is created (and closed with the writer) if absent. */
  producer?: KafkaProducer;
  /**
   * What a decoded row must also pass (a record a service produced straight to the topic, checked
   * like an HTTP log): the row to store, or why not, which goes to the dead-letter topic.
   */
  admit?: (row: StoredLog) => StoredLog | Refusal;
  /** Tests: called after each successful insert, before the piece is marked done and committed. */
  afterInsert?: (token: string) => void | Promise<void>;
}

export interface KafkaWriterStats extends RunWriterStats {
  /** Rows of pieces the ledger says are stored already. */
  rowsSkipped: number;
  deadLettered: number;
}

export interface KafkaWriter {
  /** Settles when the consumer stops: resolves after close(), rejects with what stopped it. */
  readonly done: Promise<void>;
  stats(): KafkaWriterStats;
  /** Stops consuming; a piece being retried is abandoned uncommitted (it is redelivered). */
  close(): Promise<void>;
}

export async function startKafkaWriter(o: KafkaWriterOptions): Promise<KafkaWriter> {
  const counts = { rowsSkipped: 0, deadLettered: 0 };
  const abort = new AbortController();
  const runs = createRunWriter({
    store: o.store,
    retryInitialBackoffMs: o.retryInitialBackoffMs,
    retryMaxBackoffMs: o.retryMaxBackoffMs,
    logger: o.logger,
    signal: abort.signal,
    ...(o.afterInsert === undefined ? {} : { afterInsert: o.afterInsert }),
  });
  let producer = o.producer;

  async function onBatches(batches: KafkaBatch[]): Promise<void> {
    const ranges: PartitionRange[] = [];
    for (const b of batches) {
      const first = b.messages[0];
      const last = b.messages.at(-1);
      if (first !== undefined && last !== undefined)
        ranges.push({ partition: b.partition, first: first.offset, last: last.offset });
    }
    if (ranges.length === 0) return;
    const topic = (batches[0] as KafkaBatch).topic;
    const prior = await runs.prior(topic, ranges);
    const rows: OffsetRow[] = [];
    const dead: OutgoingMessage[] = [];
    for (const { partition, messages } of batches) {
      for (const m of messages) {
        if (prior.stored(partition, m.offset)) {
          counts.rowsSkipped++;
          continue;
        }
        try {
          if (m.value === null) throw new Error('null value (tombstone)');
          const row = o.codec.decode(m.value);
          const admitted = o.admit === undefined ? row : o.admit(row);
          if ('refused' in admitted) throw new Error(admitted.refused);
          // A direct producer's row carries no id: the one its offset names, in every replay too.
          if (admitted.id === undefined || admitted.id === '')
            admitted.id = rowIdAt(topic, partition, m.offset);
          rows.push({ partition, offset: m.offset, row: admitted });
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          dead.push(deadLetterFor(m, reason, o.deadLetterTopic, o.groupId));
        }
      }
    }
    // Dead letters before the inserts: a crash after them redelivers the piece and writes the
    // dead letters again, which is better than a record in neither place.
    if (dead.length > 0) {
      producer ??= o.kafka.producer();
      await producer.send(dead);
      counts.deadLettered += dead.length;
      o.logger.warn({ topic, count: dead.length }, 'undecodable records sent to the dead-letter topic');
    }
    await runs.write(topic, ranges, rows, prior);
  }

  const consumer: KafkaConsumer = await o.kafka.gather({
    groupId: o.groupId,
    topics: [o.topic],
    fromBeginning: true,
    ...(o.instanceId === undefined ? {} : { instanceId: o.instanceId }),
    gather: { records: o.batchSize, waitMs: o.gatherWaitMs },
    onBatches,
    onGroupStep({ step, ...details }) {
      o.logger.info({ topic: o.topic, groupId: o.groupId, ...details }, `consumer group: ${step}`);
    },
  });

  let closing: Promise<void> | undefined;
  return {
    done: consumer.done,
    stats: () => ({ ...runs.stats(), ...counts }),
    close() {
      closing ??= (async () => {
        abort.abort();
        await consumer.close();
        if (producer !== undefined && producer !== o.producer) await producer.close();
      })();
      return closing;
    },
  };
}
