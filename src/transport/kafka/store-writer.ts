/**
 * The ClickHouse writer of Kafka mode: consumes the matched-logs topic in one consumer group and
 * stores each record exactly once. Exactly once = at-least-once delivery + idempotent inserts:
 * the client commits a partition's offsets only after onBatch resolved, and onBatch resolves
 * only after every row of the run it was handed is stored (or dead-lettered), so a crash
 * anywhere before that redelivers from the committed offset; the store's run writer
 * (store/exactly-once.ts, where the argument continues) makes storing a run again a no-op.
 *
 * Why not accumulate N records across runs and flush on a timer: the client commits each run as
 * soon as onBatch resolves, so a record held in memory past its run would be committed before it
 * is stored and lost in a crash. Memory is bounded by one run (at most 5000 records).
 */
import type { Logger } from '../../logger.ts';
import type { StoredLog } from '../../model/log.ts';
import {
  createRunWriter,
  type OffsetRow,
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
  deadLetterTopic: string;
  /** N: no insert covers offsets from two different [k*N, (k+1)*N) blocks. */
  batchSize: number;
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
  /** Tests: called after each successful insert, before the run is marked done and committed. */
  afterInsert?: (token: string) => void | Promise<void>;
}

export interface KafkaWriterStats extends RunWriterStats {
  /** Rows of runs the ledger says are stored already. */
  rowsSkipped: number;
  deadLettered: number;
}

export interface KafkaWriter {
  /** Settles when the consumer stops: resolves after close(), rejects with what stopped it. */
  readonly done: Promise<void>;
  stats(): KafkaWriterStats;
  /** Stops consuming; a run being retried is abandoned uncommitted (it is redelivered). */
  close(): Promise<void>;
}

export async function startKafkaWriter(o: KafkaWriterOptions): Promise<KafkaWriter> {
  const counts = { rowsSkipped: 0, deadLettered: 0 };
  const abort = new AbortController();
  const runs = createRunWriter({
    store: o.store,
    batchSize: o.batchSize,
    retryInitialBackoffMs: o.retryInitialBackoffMs,
    retryMaxBackoffMs: o.retryMaxBackoffMs,
    logger: o.logger,
    signal: abort.signal,
    ...(o.afterInsert === undefined ? {} : { afterInsert: o.afterInsert }),
  });
  let producer = o.producer;

  async function onBatch(batch: KafkaBatch): Promise<void> {
    const firstMessage = batch.messages[0];
    const lastMessage = batch.messages.at(-1);
    if (firstMessage === undefined || lastMessage === undefined) return;
    const { topic, partition } = batch;
    const run = { first: firstMessage.offset, last: lastMessage.offset };
    const prior = await runs.prior(topic, partition, run.first);
    const rows: OffsetRow[] = [];
    const dead: OutgoingMessage[] = [];
    for (const m of batch.messages) {
      if (prior.stored(m.offset)) {
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
        rows.push({ offset: m.offset, row: admitted });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        dead.push(deadLetterFor(m, reason, o.deadLetterTopic, o.groupId));
      }
    }
    // Dead letters before the inserts: a crash after them redelivers the run and writes the dead
    // letters again, which is better than a record in neither place.
    if (dead.length > 0) {
      producer ??= o.kafka.producer();
      await producer.send(dead);
      counts.deadLettered += dead.length;
      o.logger.warn(
        { topic, partition, count: dead.length },
        'undecodable records sent to the dead-letter topic',
      );
    }
    await runs.write(topic, partition, run, rows, prior);
  }

  const consumer: KafkaConsumer = await o.kafka.consumer({
    groupId: o.groupId,
    topics: [o.topic],
    fromBeginning: true,
    autoCommit: false,
    onBatch,
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
