/**
 * The ClickHouse writer of Kafka mode: consumes the matched-logs topic in one consumer group and
 * stores each record exactly once. Lives in store/ because what it decides (batch boundaries,
 * dedup tokens, a ledger of runs, retrying while storage is away) is storage logic; Kafka is
 * only where the rows come from, reached through the client module like every other stage.
 *
 * Exactly once = at-least-once delivery + idempotent inserts:
 *
 * - The client commits a partition's offsets only after onBatch resolved, and onBatch resolves
 *   only after every row of the run it was handed is stored (or dead-lettered). A crash anywhere
 *   before that redelivers from the committed offset.
 * - Each insert carries insert_deduplication_token `${topic}:${partition}:${first}-${last}`,
 *   exactly the offset range it covers; the logs table keeps the last 1000 tokens
 *   (non_replicated_deduplication_window), so the same range inserted again is a no-op. That
 *   also covers an insert that succeeded but whose answer was lost (the retry below).
 * - Batch boundaries: a range never crosses a multiple of `batchSize` (offsets [k*N, (k+1)*N))
 *   and otherwise ends where a run ends. Where a run ends depends on fetch timing, so a
 *   redelivered run can end elsewhere; the same range would then not be formed again, and a
 *   different token stores its rows twice. That is why run ends are made durable: before its
 *   inserts, each run [first, last] is written to the `kafka_writer_runs` ledger (pending),
 *   and marked done after its inserts, before it is committed. Every run loads the ledger from
 *   its first offset on (a redelivery, or runs another process wrote before a rebalance):
 *   - rows inside a done run are stored already and are skipped (no insert at all);
 *   - ranges are also cut at every recorded run end, so a pending run (a crash between its
 *     inserts and its commit) is cut exactly as before and its inserts repeat their tokens,
 *     even when the redelivered run reaches further (more records arrived meanwhile).
 *   Every range starts at a reproducible point (the committed offset, a multiple of N or a
 *   recorded run end). One case cannot be re-formed: a crash between a run's pending record
 *   and its done record, followed by a redelivered run that ends *before* the crashed one did
 *   (the client commits the run when onBatch resolves, so the rest of the crashed range comes
 *   in a later run, under other boundaries). Every range that overlaps such an unfinished run
 *   is therefore written by *replacing* rows by their ids (fixed at ingest, see
 *   model/row-id.ts): delete, then insert, which leaves each log once whatever the crashed run
 *   stored. Rows without ids (not written by our matcher) can only be inserted and are counted
 *   as possible duplicates.
 *
 * Why not accumulate N records across runs and flush on a timer: the client commits each run as
 * soon as onBatch resolves, so a record held in memory past its run would be committed before it
 * is stored and lost in a crash. Memory is bounded by one run (at most 5000 records).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import type { StoredLog } from '../model/log.ts';
import type { AvroCodec } from '../transport/avro/codec.ts';
import { deadLetterFor } from '../transport/kafka/dead-letter.ts';
import type {
  Kafka,
  KafkaBatch,
  KafkaConsumer,
  KafkaMessage,
  KafkaProducer,
  OutgoingMessage,
} from '../transport/kafka/client/index.ts';
import type { Store } from './stage.ts';

export interface KafkaWriterOptions {
  kafka: Kafka;
  store: Pick<Store, 'insertBatch' | 'replaceLogs' | 'client' | 'database'>;
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
  /** Tests: called after each successful insert, before the run is marked done and committed. */
  afterInsert?: (token: string) => void | Promise<void>;
}

export interface KafkaWriterStats {
  /** Rows sent in inserts (a deduplicated insert counts too). */
  rowsInserted: number;
  inserts: number;
  /** Rows of runs the ledger says are stored already. */
  rowsSkipped: number;
  deadLettered: number;
  insertFailures: number;
  /** Rows of ranges overlapping a crashed run, replaced by id (see the module comment). */
  rowsReplaced: number;
  /** Such ranges whose rows had no ids, so could only be inserted (see the module comment). */
  possibleDuplicates: number;
}

export interface KafkaWriter {
  /** Settles when the consumer stops: resolves after close(), rejects with what stopped it. */
  readonly done: Promise<void>;
  stats(): KafkaWriterStats;
  /** Stops consuming; a run being retried is abandoned uncommitted (it is redelivered). */
  close(): Promise<void>;
}

export interface OffsetRange {
  first: bigint;
  last: bigint;
}

export interface LedgerRun extends OffsetRange {
  done: boolean;
}

/**
 * Splits the run [first, last] at every multiple of n and after every offset in `ends` (the
 * recorded ends of earlier runs).
 */
export function cutRanges(
  first: bigint,
  last: bigint,
  n: number,
  ends: readonly bigint[] = [],
): OffsetRange[] {
  const size = BigInt(n);
  const sorted = [...ends].filter((e) => e >= first && e < last).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: OffsetRange[] = [];
  let i = 0;
  for (let start = first; start <= last;) {
    let end = (start / size + 1n) * size - 1n;
    while (i < sorted.length && (sorted[i] as bigint) < start) i++;
    const recorded = sorted[i];
    if (recorded !== undefined && recorded < end) end = recorded;
    if (last < end) end = last;
    out.push({ first: start, last: end });
    start = end + 1n;
  }
  return out;
}

export const dedupToken = (topic: string, partition: number, r: OffsetRange) =>
  `${topic}:${partition}:${r.first}-${r.last}`;

const LEDGER = 'kafka_writer_runs';
/** Ledger rows loaded per redelivery; the dedup window (1000 inserts) is the useful horizon. */
const LEDGER_LOAD_LIMIT = 2000;

/** The ledger of runs: one row per run (pending, then done), per topic and partition. */
function ledger(store: KafkaWriterOptions['store']) {
  const table = `${store.database}.${LEDGER}`;
  return {
    async record(topic: string, partition: number, run: LedgerRun): Promise<void> {
      await store.client.command({
        query: `INSERT INTO ${table} (topic, partition, first, last, done)
SELECT {topic:String}, {partition:UInt32}, {first:Int64}, {last:Int64}, {done:UInt8}`,
        query_params: {
          topic,
          partition,
          first: run.first.toString(),
          last: run.last.toString(),
          done: run.done ? 1 : 0,
        },
      });
    },
    /** Runs that end at or after `from`, in offset order. */
    async load(topic: string, partition: number, from: bigint): Promise<LedgerRun[]> {
      const result = await store.client.query({
        query: `SELECT toString(first) AS f, toString(last) AS l, max(done) AS d FROM ${table}
WHERE topic = {topic:String} AND partition = {partition:UInt32} AND last >= {from:Int64}
GROUP BY first, last ORDER BY first, last LIMIT ${LEDGER_LOAD_LIMIT}`,
        format: 'JSONEachRow',
        query_params: { topic, partition, from: from.toString() },
      });
      const rows = await result.json<{ f: string; l: string; d: number | string }>();
      return rows.map((r) => ({ first: BigInt(r.f), last: BigInt(r.l), done: Number(r.d) === 1 }));
    },
  };
}

export async function startKafkaWriter(o: KafkaWriterOptions): Promise<KafkaWriter> {
  const stats: KafkaWriterStats = {
    rowsInserted: 0,
    inserts: 0,
    rowsSkipped: 0,
    deadLettered: 0,
    insertFailures: 0,
    rowsReplaced: 0,
    possibleDuplicates: 0,
  };
  const abort = new AbortController();
  const runs = ledger(o.store);
  let producer = o.producer;

  /** Storage calls wait here while storage is away: nothing is committed meanwhile. */
  async function withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let backoff = o.retryInitialBackoffMs;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (what === 'insert') stats.insertFailures++;
        // insertBatch marks what is worth retrying; a ledger statement fails only when storage
        // does, so it is retried too.
        const retryable = what !== 'insert' || (err as { retryable?: unknown }).retryable === true;
        if (!retryable || abort.signal.aborted) throw err;
        o.logger.warn({ what, backoffMs: backoff, err }, 'storage call failed; retrying');
        await sleep(backoff, undefined, { signal: abort.signal });
        backoff = Math.min(backoff * 2, o.retryMaxBackoffMs);
      }
    }
  }

  async function onBatch(batch: KafkaBatch): Promise<void> {
    const firstMessage = batch.messages[0];
    const lastMessage = batch.messages.at(-1);
    if (firstMessage === undefined || lastMessage === undefined) return;
    const { topic, partition } = batch;
    const first = firstMessage.offset;
    const last = lastMessage.offset;
    // Every run asks the ledger (one small indexed query): a run of this partition may have been
    // written by another process since this one last had it (a rebalance), pending included.
    const prior = await withRetry('ledger', () => runs.load(topic, partition, first));
    const stored = (offset: bigint) => prior.some((r) => r.done && r.first <= offset && offset <= r.last);

    const decoded = new Map<bigint, StoredLog>();
    const dead: OutgoingMessage[] = [];
    for (const m of batch.messages) {
      if (stored(m.offset)) {
        stats.rowsSkipped++;
        continue;
      }
      try {
        if (m.value === null) throw new Error('null value (tombstone)');
        decoded.set(m.offset, o.codec.decode(m.value));
      } catch (err) {
        dead.push(
          deadLetterFor(m, err instanceof Error ? err.message : String(err), o.deadLetterTopic, o.groupId),
        );
      }
    }
    // Dead letters before the inserts: a crash after them redelivers the run and writes the dead
    // letters again, which is better than a record in neither place.
    if (dead.length > 0) {
      producer ??= o.kafka.producer();
      await producer.send(dead);
      stats.deadLettered += dead.length;
      o.logger.warn(
        { topic, partition, count: dead.length },
        'undecodable records sent to the dead-letter topic',
      );
    }

    const ranges = cutRanges(
      first,
      last,
      o.batchSize,
      prior.map((r) => r.last),
    );
    // Runs that were recorded but never finished: a process died between their inserts and
    // their commit, and their rows may be stored under boundaries this run cannot re-form.
    const unfinished = prior.filter((r) => !r.done);
    if (decoded.size > 0) {
      await withRetry('ledger', () => runs.record(topic, partition, { first, last, done: false }));
      // Messages and ranges are both in offset order: one walk over the run.
      let j = 0;
      for (const range of ranges) {
        const rows: StoredLog[] = [];
        for (; j < batch.messages.length; j++) {
          const offset = (batch.messages[j] as KafkaMessage).offset;
          if (offset > range.last) break;
          const row = decoded.get(offset);
          if (row !== undefined) rows.push(row);
        }
        if (rows.length === 0) continue;
        const token = dedupToken(topic, partition, range);
        if (unfinished.some((r) => r.first <= range.last && range.first <= r.last)) {
          await replaceOrInsert(rows, token, range);
        } else {
          await withRetry('insert', () => o.store.insertBatch(rows, token));
        }
        stats.inserts++;
        stats.rowsInserted += rows.length;
        await o.afterInsert?.(token);
      }
      await withRetry('ledger', () => runs.record(topic, partition, { first, last, done: true }));
    }
  }

  /**
   * A range overlapping an unfinished run: the rows are replaced by their ids (delete, then
   * insert), which is right whatever the crashed run stored. Each attempt has a token of its
   * own: an insert deduplicated against the crashed run's after the delete would lose the rows.
   * Rows without ids (written by something other than the matcher) can only be inserted.
   */
  async function replaceOrInsert(rows: StoredLog[], token: string, range: OffsetRange): Promise<void> {
    if (rows.every((r) => r.id !== undefined && /^\d{1,20}$/.test(r.id))) {
      await withRetry('replace', () => o.store.replaceLogs(rows, `${token}:r${randomUUID().slice(0, 8)}`));
      stats.rowsReplaced += rows.length;
      return;
    }
    stats.possibleDuplicates++;
    o.logger.error(
      { topic: o.topic, range: `${range.first}-${range.last}` },
      'rows without ids in a range a crashed run may have stored: they may be stored twice',
    );
    await withRetry('insert', () => o.store.insertBatch(rows, token));
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
    stats: () => ({ ...stats }),
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
