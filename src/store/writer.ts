import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { WriterStats } from './counters.ts';

export type OnFlush = (rows: number, durationMs: number, ok: boolean) => void;

/**
 * How many rows an item of the buffer holds, and how to split one where an insert reaches
 * maxBatchRows (store/entry.ts: an entry holds a request's rows).
 */
export interface Sizes<T> {
  rowsOf: (item: T) => number;
  /** The first `rows` rows of the item, and the rest (0 < rows < rowsOf(item)). */
  cut: (item: T, rows: number) => readonly [T, T];
}

/** Items of one row each (templates): never cut, as every insert holds at least one row. */
export function oneRowEach<T>(): Sizes<T> {
  return {
    rowsOf: () => 1,
    cut: () => {
      throw new Error('an item of one row is never cut');
    },
  };
}

export interface WriterOptions<T> {
  name: string;
  /** Rows (not items) buffered that start an insert. */
  bufferSize: number;
  /** Most rows in one insert, when more than bufferSize have piled up: an item is cut to fit. */
  maxBatchRows: number;
  flushIntervalMs: number;
  /** Rows buffered and in flight that hasRoomFor() keeps under. */
  maxRows: number;
  sizes: Sizes<T>;
  retryInitialBackoffMs: number;
  retryMaxBackoffMs: number;
  /** Called once per batch; its text (or UTF-8) is resent unchanged on every retry. */
  encode(items: readonly T[]): string | Buffer;
  /** One insert attempt; the token is the same for every attempt of a batch. */
  send(body: string | Buffer, dedupToken: string): Promise<void>;
  logger: Logger;
  onFlush?: OnFlush | undefined;
  /** The items of each insert that succeeded, once it did (standalone: releases them from the WAL). */
  onWritten?: ((items: readonly T[]) => void) | undefined;
}

/**
 * Buffers items of rows (Sizes) and writes them in batches of rows, one insert at a time, retrying a failed batch with
 * backoff for as long as the writer runs: rows are only ever lost if stop() runs out of time.
 * Each batch carries its own insert_deduplication_token across its retries, so an attempt that
 * failed after the server stored it does not store it twice.
 */
export class BatchWriter<T> {
  readonly #opts: WriterOptions<T>;
  #buffer: T[] = [];
  /** The rows of #buffer's items. */
  #bufferedRows = 0;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The flush interval has passed for rows in the buffer: flush them without waiting for size. */
  #due = false;
  #running: Promise<void> | undefined;
  #stopping = false;
  #stopped = false;
  #deadline = Number.POSITIVE_INFINITY;
  #wake: (() => void) | undefined;
  #enqueuedSeq = 0;
  #writtenSeq = 0;
  #waiters: { seq: number; resolve: (written: boolean) => void }[] = [];
  #stats: Omit<WriterStats, 'bufferedRows' | 'inFlightRows'> = {
    flushes: 0,
    flushedRows: 0,
    writeErrors: 0,
    failing: false,
  };

  constructor(opts: WriterOptions<T>) {
    this.#opts = opts;
  }

  /** Never blocks and never refuses: keeping under maxRows is the caller's check (hasRoomFor). */
  enqueue(items: readonly T[]): void {
    if (items.length === 0) return;
    const { rowsOf } = this.#opts.sizes;
    let rows = 0;
    for (const item of items) rows += rowsOf(item);
    if (this.#stopped) {
      this.#opts.logger.error({ writer: this.#opts.name, rows }, 'rows enqueued after stop are not written');
      return;
    }
    // A loop, not push(...items): spreading a very large array overflows the call stack.
    for (const item of items) this.#buffer.push(item);
    this.#bufferedRows += rows;
    this.#enqueuedSeq += rows;
    if (this.#bufferedRows >= this.#opts.bufferSize) this.#kick();
    else this.#armTimer();
  }

  hasRoomFor(rows: number): boolean {
    return this.#bufferedRows + this.#inFlight + rows <= this.#opts.maxRows;
  }

  stats(): WriterStats {
    return { ...this.#stats, bufferedRows: this.#bufferedRows, inFlightRows: this.#inFlight };
  }

  /** Resolves true once every row enqueued so far is written; false if stop() gave up first. */
  flushed(): Promise<boolean> {
    const seq = this.#enqueuedSeq;
    if (this.#writtenSeq >= seq) return Promise.resolve(true);
    if (this.#stopped) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Starts a flush of what is buffered now instead of waiting for the interval. */
  flushSoon(): void {
    this.#due = true;
    this.#kick();
  }

  /**
   * Writes everything buffered, retrying, until `deadline` (epoch ms). Resolves with the rows
   * that could not be written by then (0 when all were).
   */
  async stop(deadline: number): Promise<{ unwrittenRows: number }> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#deadline = deadline;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#wake?.(); // retry now rather than at the end of a backoff
    }
    while (this.#bufferedRows > 0 || this.#running !== undefined) {
      const remaining = this.#deadline - Date.now();
      if (remaining <= 0) break;
      this.#kick();
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#running,
        new Promise((resolve) => (timeout = setTimeout(resolve, remaining))),
      ]);
      clearTimeout(timeout);
    }
    this.#stopped = true;
    const unwrittenRows = this.#bufferedRows + this.#inFlight;
    if (unwrittenRows > 0) {
      this.#opts.logger.error(
        { writer: this.#opts.name, rows: unwrittenRows, lastError: this.#stats.lastError },
        'stopped with rows not written',
      );
    }
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(this.#writtenSeq >= waiter.seq);
    return { unwrittenRows };
  }

  #armTimer(): void {
    if (this.#timer !== undefined || this.#stopping) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = true;
      this.#kick();
    }, this.#opts.flushIntervalMs);
  }

  #kick(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#bufferedRows > 0 && !this.#stopping) this.#armTimer();
    });
  }

  async #run(): Promise<void> {
    while (this.#bufferedRows > 0) {
      if (this.#bufferedRows < this.#opts.bufferSize && !this.#due && !this.#stopping) return;
      const { items, rows } = this.#take();
      if (this.#bufferedRows === 0) this.#due = false;
      if (!(await this.#writeBatch(items, rows))) return;
    }
    this.#due = false;
  }

  /**
   * The next batch: bufferSize triggers a flush; rows that piled up meanwhile (an insert in
   * flight, a burst) go in the same insert, up to maxBatchRows: fewer, larger inserts are what
   * ClickHouse ingests fastest. The item that would pass maxBatchRows is cut, its rest left in
   * front. Taking the whole buffer is a swap, not a copy.
   */
  #take(): { items: T[]; rows: number } {
    const { maxBatchRows, sizes } = this.#opts;
    if (this.#bufferedRows <= maxBatchRows) {
      const items = this.#buffer;
      const rows = this.#bufferedRows;
      this.#buffer = [];
      this.#bufferedRows = 0;
      return { items, rows };
    }
    let rows = 0;
    let count = 0;
    while (rows + sizes.rowsOf(this.#buffer[count]!) <= maxBatchRows)
      rows += sizes.rowsOf(this.#buffer[count++]!);
    const items = this.#buffer.splice(0, count);
    if (rows < maxBatchRows) {
      const [head, rest] = sizes.cut(this.#buffer[0]!, maxBatchRows - rows);
      items.push(head);
      this.#buffer[0] = rest;
      rows = maxBatchRows;
    }
    this.#bufferedRows -= rows;
    return { items, rows };
  }

  /** False when stop()'s deadline passed before the batch could be written. */
  async #writeBatch(items: T[], rows: number): Promise<boolean> {
    const token = randomUUID();
    let body: string | Buffer | undefined;
    this.#inFlight = rows;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        body ??= this.#opts.encode(items);
        await this.#opts.send(body, token);
      } catch (err) {
        this.#failed(err, rows, performance.now() - started, attempt);
        if ((this.#stopping && Date.now() >= this.#deadline) || this.#stopped)
          return this.#giveBack(items, rows);
        await this.#sleep(Math.min(this.#backoff(attempt), Math.max(0, this.#deadline - Date.now())));
        if (this.#stopped) return this.#giveBack(items, rows);
        continue;
      }
      this.#succeeded(rows, performance.now() - started);
      this.#opts.onWritten?.(items);
      return true;
    }
  }

  /** Puts an unwritten batch back in front, so stop() counts it and order is kept. */
  #giveBack(items: T[], rows: number): false {
    this.#buffer = items.concat(this.#buffer);
    this.#bufferedRows += rows;
    this.#inFlight = 0;
    return false;
  }

  #succeeded(rows: number, durationMs: number): void {
    this.#inFlight = 0;
    this.#writtenSeq += rows;
    const stats = this.#stats;
    stats.flushes++;
    stats.flushedRows += rows;
    if (stats.failing) this.#opts.logger.info({ writer: this.#opts.name }, 'writes recovered');
    stats.failing = false;
    this.#opts.onFlush?.(rows, durationMs, true);
    if (this.#waiters.length > 0) {
      this.#waiters = this.#waiters.filter((waiter) => {
        if (this.#writtenSeq < waiter.seq) return true;
        waiter.resolve(true);
        return false;
      });
    }
  }

  #failed(err: unknown, rows: number, durationMs: number, attempt: number): void {
    const stats = this.#stats;
    stats.writeErrors++;
    stats.failing = true;
    stats.lastError = err instanceof Error ? err.message : String(err);
    this.#opts.onFlush?.(rows, durationMs, false);
    this.#opts.logger.warn(
      { writer: this.#opts.name, rows, attempt, err: stats.lastError },
      'insert failed, will retry',
    );
  }

  /** Exponential, capped, with "equal jitter" so writers that failed together do not retry together. */
  #backoff(attempt: number): number {
    const { retryInitialBackoffMs: initial, retryMaxBackoffMs: max } = this.#opts;
    const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
