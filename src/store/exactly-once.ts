/**
 * Storing pieces of a log (a topic's partitions, in Kafka mode) exactly once: plain storage
 * logic, fed with offsets and decoded rows by the Kafka side (transport/kafka/store-writer.ts),
 * which commits a piece's offsets only after write() resolved. A crash anywhere before that
 * delivers the piece's records again; what is here makes storing them again a no-op.
 *
 * A piece is what the writer gathered across partitions, up to CLICKHOUSE_BUFFER_SIZE rows:
 * per partition one offset range, stored in one insert (one part: the engine's merges cost
 * about as much as the inserts themselves when parts were one partition's 800 rows).
 *
 * - Each insert carries insert_deduplication_token naming the piece's exact ranges
 *   (`${topic}:${partition}:${first}-${last}` per partition); the logs table keeps the last 1000
 *   tokens (non_replicated_deduplication_window), so an insert retried after a lost answer is
 *   stored once.
 * - Where a redelivered piece ends depends on fetch timing (and on what the other partitions
 *   had), so a piece is not formed again the same way after a crash. That is why pieces are made
 *   durable in the `kafka_writer_runs` ledger: before its insert, each piece writes one row per
 *   partition [first, last] (pending), in one statement, and after the insert the same rows
 *   done, before its offsets are committed. Every piece first loads the ledger of its partitions
 *   from its first offsets on (a redelivery, or pieces another process wrote before a
 *   rebalance):
 *   - rows inside a done range are stored already and are skipped (no insert at all);
 *   - rows inside a range only pending (a crash between the insert and the done record, or
 *     before the insert) may or may not be stored: one insert is atomic, but the redelivered
 *     piece holds other rows. Such a piece is written by *replacing* rows by their ids (fixed at
 *     ingest, see model/row-id.ts): delete, then insert, which leaves each log once whatever the
 *     crashed piece stored. Rows without ids (not written by our matcher) can only be inserted
 *     and are counted as possible duplicates.
 *   The ledger is written before storage is, so a stored row is always inside a recorded range.
 * - A single writer owns a store's partitions at a time (the embedded engine belongs to one
 *   process); two writers racing over one partition through a rebalance are not covered.
 *
 * A piece of one partition is the run of the earlier ledger rows: the table is unchanged.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import type { StoredLog } from '../model/log.ts';
import type { Store } from './stage.ts';

export type RunStore = Pick<Store, 'insertBatch' | 'replaceLogs' | 'client' | 'database'>;

/** The offsets [first, last] of one partition that a piece covers. */
export interface PartitionRange {
  partition: number;
  first: bigint;
  last: bigint;
}

interface LedgerRange extends PartitionRange {
  done: boolean;
}

/** One row of a piece, at its partition and offset. */
export interface OffsetRow {
  partition: number;
  offset: bigint;
  row: StoredLog;
}

export interface RunWriterOptions {
  store: RunStore;
  retryInitialBackoffMs: number;
  retryMaxBackoffMs: number;
  logger: Logger;
  /** Aborting stops the retries of a piece being written (it is delivered again). */
  signal: AbortSignal;
  /** Tests: called after each successful insert, before the piece is marked done. */
  afterInsert?: (token: string) => void | Promise<void>;
}

export interface RunWriterStats {
  /** Rows sent in inserts (a deduplicated insert counts too). */
  rowsInserted: number;
  inserts: number;
  insertFailures: number;
  /** Rows of pieces overlapping a crashed piece, replaced by id (see the module comment). */
  rowsReplaced: number;
  /** Such pieces whose rows had no ids, so could only be inserted (see the module comment). */
  possibleDuplicates: number;
}

/** What the ledger knows of a piece's partitions before the piece is written. */
export interface PriorPieces {
  /** True for an offset inside a done range: stored already, to be skipped. */
  stored(partition: number, offset: bigint): boolean;
  /** True for an offset inside a range recorded but never done: a crashed piece may hold it. */
  unfinished(partition: number, offset: bigint): boolean;
}

export interface RunWriter {
  /** The ledger's ranges of these partitions from each one's first offset on (one small query). */
  prior(topic: string, from: readonly PartitionRange[]): Promise<PriorPieces>;
  /**
   * Stores the rows of the piece covering `ranges` (without the skipped ones) exactly once, in
   * one insert; resolves once they are stored. Storage away: retried until it is back.
   */
  write(
    topic: string,
    ranges: readonly PartitionRange[],
    rows: readonly OffsetRow[],
    prior: PriorPieces,
  ): Promise<void>;
  stats(): RunWriterStats;
}

/** The longest token the store accepts (store/client.ts); longer names are hashed. */
const MAX_TOKEN = 200;

/** Names an insert by its topic and the exact offset range of each partition it covers. */
export function pieceToken(topic: string, ranges: readonly PartitionRange[]): string {
  const sorted = [...ranges].sort((a, b) => a.partition - b.partition);
  const token = `${topic}:${sorted.map((r) => `${r.partition}:${r.first}-${r.last}`).join(':')}`;
  if (token.length <= MAX_TOKEN) return token;
  return `piece:${createHash('sha256').update(token).digest('hex')}`;
}

const LEDGER = 'kafka_writer_runs';
/** Ledger rows loaded per partition; the dedup window (1000 inserts) is the useful horizon. */
const LEDGER_LOAD_LIMIT = 2000;

/** The ledger: one row per partition of a piece (pending, then done). */
function ledger(store: RunStore) {
  const table = `${store.database}.${LEDGER}`;
  return {
    /** All of a piece's ranges in one statement: one block, so all of them or none. */
    async record(topic: string, ranges: readonly PartitionRange[], done: boolean): Promise<void> {
      await store.client.command({
        query: `INSERT INTO ${table} (topic, partition, first, last, done)
SELECT {topic:String}, toUInt32(z.1), toInt64(z.2), toInt64(z.3), {done:UInt8}
FROM (SELECT arrayJoin(arrayZip({ps:Array(String)}, {fs:Array(String)}, {ls:Array(String)})) AS z)`,
        query_params: {
          topic,
          ps: ranges.map((r) => String(r.partition)),
          fs: ranges.map((r) => r.first.toString()),
          ls: ranges.map((r) => r.last.toString()),
          done: done ? 1 : 0,
        },
      });
    },
    /** Per partition, the ranges that end at or after its `first`, in offset order. */
    async load(topic: string, from: readonly PartitionRange[]): Promise<LedgerRange[]> {
      const params: Record<string, string | number> = { topic };
      const conditions = from.map((r, i) => {
        params[`p${i}`] = r.partition;
        params[`f${i}`] = r.first.toString();
        return `(partition = {p${i}:UInt32} AND last >= {f${i}:Int64})`;
      });
      const result = await store.client.query({
        query: `SELECT partition AS p, toString(first) AS f, toString(last) AS l, max(done) AS d
FROM ${table}
WHERE topic = {topic:String} AND (${conditions.join(' OR ')})
GROUP BY partition, first, last ORDER BY partition, first, last LIMIT ${LEDGER_LOAD_LIMIT} BY partition`,
        format: 'JSONEachRow',
        query_params: params,
      });
      const rows = await result.json<{ p: number | string; f: string; l: string; d: number | string }>();
      return rows.map((r) => ({
        partition: Number(r.p),
        first: BigInt(r.f),
        last: BigInt(r.l),
        done: Number(r.d) === 1,
      }));
    },
  };
}

export function createRunWriter(o: RunWriterOptions): RunWriter {
  const stats: RunWriterStats = {
    rowsInserted: 0,
    inserts: 0,
    insertFailures: 0,
    rowsReplaced: 0,
    possibleDuplicates: 0,
  };
  const pieces = ledger(o.store);

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
        if (!retryable || o.signal.aborted) throw err;
        o.logger.warn({ what, backoffMs: backoff, err }, 'storage call failed; retrying');
        await sleep(backoff, undefined, { signal: o.signal });
        backoff = Math.min(backoff * 2, o.retryMaxBackoffMs);
      }
    }
  }

  /**
   * A piece overlapping an unfinished one: the rows are replaced by their ids (delete, then
   * insert), which is right whatever the crashed piece stored. Each attempt has a token of its
   * own: an insert deduplicated against the crashed piece's after the delete would lose the rows.
   * Rows without ids (written by something other than the matcher) can only be inserted.
   */
  async function replaceOrInsert(topic: string, rows: StoredLog[], token: string) {
    if (rows.every((r) => r.id !== undefined && /^\d{1,20}$/.test(r.id))) {
      const attempt = `${token.slice(0, MAX_TOKEN - 10)}:r${randomUUID().slice(0, 8)}`;
      await withRetry('replace', () => o.store.replaceLogs(rows, attempt));
      stats.rowsReplaced += rows.length;
      return;
    }
    stats.possibleDuplicates++;
    o.logger.error(
      { topic, token },
      'rows without ids in a piece a crashed one may have stored: they may be stored twice',
    );
    await withRetry('insert', () => o.store.insertBatch(rows, token));
  }

  return {
    async prior(topic, from) {
      // Every piece asks (one small indexed query): a partition may have been written by another
      // process since this one last had it (a rebalance), pending pieces included.
      const known = from.length === 0 ? [] : await withRetry('ledger', () => pieces.load(topic, from));
      const covering = (partition: number, offset: bigint, done: boolean) =>
        known.some(
          (r) => r.partition === partition && r.done === done && r.first <= offset && offset <= r.last,
        );
      return {
        stored: (partition, offset) => covering(partition, offset, true),
        unfinished: (partition, offset) => covering(partition, offset, false),
      };
    },
    async write(topic, ranges, rows, prior) {
      if (rows.length === 0) return;
      const token = pieceToken(topic, ranges);
      await withRetry('ledger', () => pieces.record(topic, ranges, false));
      const stored = rows.map((r) => r.row);
      if (rows.some((r) => prior.unfinished(r.partition, r.offset))) {
        await replaceOrInsert(topic, stored, token);
      } else {
        await withRetry('insert', () => o.store.insertBatch(stored, token));
      }
      stats.inserts++;
      stats.rowsInserted += stored.length;
      await o.afterInsert?.(token);
      await withRetry('ledger', () => pieces.record(topic, ranges, true));
    },
    stats: () => ({ ...stats }),
  };
}
