/**
 * Storing runs of a log (a topic's partition, in Kafka mode) exactly once: plain storage logic,
 * fed with offsets and decoded rows by the Kafka side (transport/kafka/store-writer.ts), which
 * commits a run's offsets only after write() resolved. A crash anywhere before that delivers
 * the run again; what is here makes storing it again a no-op.
 *
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
 *   (the run is committed when write() resolves, so the rest of the crashed range comes in a
 *   later run, under other boundaries). Every range that overlaps such an unfinished run is
 *   therefore written by *replacing* rows by their ids (fixed at ingest, see
 *   model/row-id.ts): delete, then insert, which leaves each log once whatever the crashed run
 *   stored. Rows without ids (not written by our matcher) can only be inserted and are counted
 *   as possible duplicates.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.ts';
import type { StoredLog } from '../model/log.ts';
import type { Store } from './stage.ts';

export type RunStore = Pick<Store, 'insertBatch' | 'replaceLogs' | 'client' | 'database'>;

export interface OffsetRange {
  first: bigint;
  last: bigint;
}

export interface LedgerRun extends OffsetRange {
  done: boolean;
}

/** One row of a run, at its offset. */
export interface OffsetRow {
  offset: bigint;
  row: StoredLog;
}

export interface RunWriterOptions {
  store: RunStore;
  /** N: no insert covers offsets from two different [k*N, (k+1)*N) blocks. */
  batchSize: number;
  retryInitialBackoffMs: number;
  retryMaxBackoffMs: number;
  logger: Logger;
  /** Aborting stops the retries of a run being written (it is delivered again). */
  signal: AbortSignal;
  /** Tests: called after each successful insert, before the run is marked done. */
  afterInsert?: (token: string) => void | Promise<void>;
}

export interface RunWriterStats {
  /** Rows sent in inserts (a deduplicated insert counts too). */
  rowsInserted: number;
  inserts: number;
  insertFailures: number;
  /** Rows of ranges overlapping a crashed run, replaced by id (see the module comment). */
  rowsReplaced: number;
  /** Such ranges whose rows had no ids, so could only be inserted (see the module comment). */
  possibleDuplicates: number;
}

/** What the ledger knows of a run's partition before the run is written. */
export interface PriorRuns {
  readonly runs: readonly LedgerRun[];
  /** True for an offset inside a done run: stored already, to be skipped. */
  stored(offset: bigint): boolean;
}

export interface RunWriter {
  /** The ledger's runs of the partition from `first` on (one small indexed query). */
  prior(topic: string, partition: number, first: bigint): Promise<PriorRuns>;
  /**
   * Stores the rows of the run [first, last] (in offset order, without the skipped ones)
   * exactly once; resolves once every one is stored. Storage away: retried until it is back.
   */
  write(
    topic: string,
    partition: number,
    run: OffsetRange,
    rows: readonly OffsetRow[],
    prior: PriorRuns,
  ): Promise<void>;
  stats(): RunWriterStats;
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
function ledger(store: RunStore) {
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

export function createRunWriter(o: RunWriterOptions): RunWriter {
  const stats: RunWriterStats = {
    rowsInserted: 0,
    inserts: 0,
    insertFailures: 0,
    rowsReplaced: 0,
    possibleDuplicates: 0,
  };
  const runs = ledger(o.store);

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
   * A range overlapping an unfinished run: the rows are replaced by their ids (delete, then
   * insert), which is right whatever the crashed run stored. Each attempt has a token of its
   * own: an insert deduplicated against the crashed run's after the delete would lose the rows.
   * Rows without ids (written by something other than the matcher) can only be inserted.
   */
  async function replaceOrInsert(topic: string, rows: StoredLog[], token: string, range: OffsetRange) {
    if (rows.every((r) => r.id !== undefined && /^\d{1,20}$/.test(r.id))) {
      await withRetry('replace', () => o.store.replaceLogs(rows, `${token}:r${randomUUID().slice(0, 8)}`));
      stats.rowsReplaced += rows.length;
      return;
    }
    stats.possibleDuplicates++;
    o.logger.error(
      { topic, range: `${range.first}-${range.last}` },
      'rows without ids in a range a crashed run may have stored: they may be stored twice',
    );
    await withRetry('insert', () => o.store.insertBatch(rows, token));
  }

  return {
    async prior(topic, partition, first) {
      // Every run asks (one small indexed query): a run of this partition may have been written
      // by another process since this one last had it (a rebalance), pending included.
      const prior = await withRetry('ledger', () => runs.load(topic, partition, first));
      return {
        runs: prior,
        stored: (offset) => prior.some((r) => r.done && r.first <= offset && offset <= r.last),
      };
    },
    async write(topic, partition, run, rows, prior) {
      if (rows.length === 0) return;
      const ranges = cutRanges(
        run.first,
        run.last,
        o.batchSize,
        prior.runs.map((r) => r.last),
      );
      // Runs that were recorded but never finished: a process died between their inserts and
      // their commit, and their rows may be stored under boundaries this run cannot re-form.
      const unfinished = prior.runs.filter((r) => !r.done);
      await withRetry('ledger', () => runs.record(topic, partition, { ...run, done: false }));
      // Rows and ranges are both in offset order: one walk over the run.
      let j = 0;
      for (const range of ranges) {
        const inRange: StoredLog[] = [];
        for (; j < rows.length && (rows[j] as OffsetRow).offset <= range.last; j++) {
          inRange.push((rows[j] as OffsetRow).row);
        }
        if (inRange.length === 0) continue;
        const token = dedupToken(topic, partition, range);
        if (unfinished.some((r) => r.first <= range.last && range.first <= r.last)) {
          await replaceOrInsert(topic, inRange, token, range);
        } else {
          await withRetry('insert', () => o.store.insertBatch(inRange, token));
        }
        stats.inserts++;
        stats.rowsInserted += inRange.length;
        await o.afterInsert?.(token);
      }
      await withRetry('ledger', () => runs.record(topic, partition, { ...run, done: true }));
    },
    stats: () => ({ ...stats }),
  };
}
