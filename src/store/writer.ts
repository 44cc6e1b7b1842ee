import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { WriterStats } from './counters.ts';

export type OnFlush = (rows: number, durationMs: number, ok: boolean) => void;

export interface WriterOptions<T> {
  name: string;
  bufferSize: number;
  /** Most rows in one insert, when more than bufferSize have piled up. */
  maxBatchRows: number;
  flushIntervalMs: number;
  maxRows: number;
  retryInitialBackoffMs: number;
  retryMaxBackoffMs: number;
  /** Called once per batch; its text is resent unchanged on every retry. */
  encode(rows: readonly T[]): string;
  /** One insert attempt; the token is the same for every attempt of a batch. */
  send(body: string, dedupToken: string): Promise<void>;
  logger: Logger;
  onFlush?: OnFlush | undefined;
  /** The rows of each insert that succeeded, once it did (standalone: releases them from the WAL). */
  onWritten?: ((rows: readonly T[]) => void) | undefined;
}

/**
 * Buffers rows and writes them in batches, one insert at a time, retrying a failed batch with
 * backoff for as long as the writer runs: rows are only ever lost if stop() runs out of time.
 * Each batch carries its own insert_deduplication_token across its retries, so an attempt that
 * failed after the server stored it does not store it twice.
 */
export class BatchWriter<T> {
  readonly #opts: WriterOptions<T>;
  #buffer: T[] = [];
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
  enqueue(rows: readonly T[]): void {
    if (rows.length === 0) return;
    if (this.#stopped) {
      this.#opts.logger.error(
        { writer: this.#opts.name, rows: rows.length },
        'rows enqueued after stop are not written',
      );
      return;
    }
    // A loop, not push(...rows): spreading a very large array overflows the call stack.
    for (const row of rows) this.#buffer.push(row);
    this.#enqueuedSeq += rows.length;
    if (this.#buffer.length >= this.#opts.bufferSize) this.#kick();
    else this.#armTimer();
  }

  hasRoomFor(rows: number): boolean {
    return this.#buffer.length + this.#inFlight + rows <= this.#opts.maxRows;
  }

  stats(): WriterStats {
    return { ...this.#stats, bufferedRows: this.#buffer.length, inFlightRows: this.#inFlight };
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
    while (this.#buffer.length > 0 || this.#running !== undefined) {
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
    const unwrittenRows = this.#buffer.length + this.#inFlight;
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
      if (this.#buffer.length > 0 && !this.#stopping) this.#armTimer();
    });
  }

  async #run(): Promise<void> {
    while (this.#buffer.length > 0) {
      if (this.#buffer.length < this.#opts.bufferSize && !this.#due && !this.#stopping) return;
      // bufferSize triggers a flush; rows that piled up meanwhile (an insert in flight, a
      // burst) go in the same insert, up to maxBatchRows: fewer, larger inserts are what
      // ClickHouse ingests fastest. Taking the whole buffer is a swap, not a copy.
      let rows: T[];
      if (this.#buffer.length <= this.#opts.maxBatchRows) {
        rows = this.#buffer;
        this.#buffer = [];
      } else {
        rows = this.#buffer.splice(0, this.#opts.maxBatchRows);
      }
      if (this.#buffer.length === 0) this.#due = false;
      if (!(await this.#writeBatch(rows))) return;
    }
    this.#due = false;
  }

  /** False when stop()'s deadline passed before the batch could be written. */
  async #writeBatch(rows: T[]): Promise<boolean> {
    const token = randomUUID();
    let body: string | undefined;
    this.#inFlight = rows.length;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        body ??= this.#opts.encode(rows);
        await this.#opts.send(body, token);
      } catch (err) {
        this.#failed(err, rows.length, performance.now() - started, attempt);
        if ((this.#stopping && Date.now() >= this.#deadline) || this.#stopped) return this.#giveBack(rows);
        await this.#sleep(Math.min(this.#backoff(attempt), Math.max(0, this.#deadline - Date.now())));
        if (this.#stopped) return this.#giveBack(rows);
        continue;
      }
      this.#succeeded(rows.length, performance.now() - started);
      this.#opts.onWritten?.(rows);
      return true;
    }
  }

  /** Puts an unwritten batch back in front, so stop() counts it and order is kept. */
  #giveBack(rows: T[]): false {
    this.#buffer = rows.concat(this.#buffer);
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
