/**
 * Hands syslog messages to the ingest stage in batches, the one entry every way in uses
 * (validation, limits, rate limit, org ceiling, routing). Messages are gathered until the
 * event loop's turn ends (setImmediate) or a batch is full, so a busy sender costs one
 * ingest call per turn, not one per message. When the service cannot take a batch (full,
 * draining, the org over its rate), a TCP feed stops reading its socket and tries again after
 * the wait the stage names, so the sender feels TCP's backpressure; a UDP feed has no one to
 * slow down and drops the batch, counted. In Kafka mode ingest answers with a promise: a TCP
 * socket is not read again until the broker has the batch.
 */
import { isUtf8 } from 'node:buffer';
import { BadRequestError, OverloadedError, RateLimitedError, ShuttingDownError } from '../../errors.ts';
import type { IngestResult, IngestStage } from '../../ingest/stage.ts';
import type { Logger } from '../../logger.ts';
import type { SyslogStats } from './counters.ts';
import { parseSyslog, type SyslogLog } from './parse.ts';

/** Logs per ingest call at most (and never more than INGEST_MAX_LOGS_PER_REQUEST). */
export const BATCH_MAX_LOGS = 1000;
/** Bytes of frames gathered at most before a batch is handed on, whatever their number. */
export const BATCH_MAX_BYTES = 256 * 1024;

export interface FeedDeps {
  readonly ingest: IngestStage;
  readonly org: string;
  readonly stats: SyslogStats;
  readonly logger: Logger;
  readonly now: () => number;
}

/** How a TCP feed slows its sender; a UDP feed has none and drops instead. */
export interface Reader {
  pause(): void;
  resume(): void;
}

interface Frame {
  readonly bytes: Buffer;
  readonly peer: string;
}

export class SyslogFeed {
  private readonly deps: FeedDeps;
  private readonly reader: Reader | undefined;
  private readonly maxLogs: number;
  private frames: Frame[] = [];
  private bytes = 0;
  private scheduled: NodeJS.Immediate | undefined;
  /** A parsed batch the service refused for now, tried again when the wait is over (TCP). */
  private held: SyslogLog[] | undefined;
  /**
   * UDP over the org's rate: the pieces of a refused batch still to try, the next last. The rate
   * limit refuses a batch whole; halving it takes what the rate still allows in a few tries, so
   * only what is over the rate is dropped, not every datagram that happened to share its batch.
   */
  private pieces: SyslogLog[][] = [];
  private retry: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private paused = false;
  /** The socket is gone: the reader is not resumed, what is gathered still goes in. */
  private ended = false;
  /** Shutting down: a refusal drops instead of waiting. */
  private closed = false;
  private emptied: (() => void)[] = [];

  constructor(deps: FeedDeps, reader?: Reader) {
    this.deps = deps;
    this.reader = reader;
    this.maxLogs = Math.min(BATCH_MAX_LOGS, deps.ingest.maxLogs);
  }

  /** Whether the feed has stopped its reader: time spent so is not the sender's. */
  get holding(): boolean {
    return this.paused;
  }

  add(bytes: Buffer, peer: string): void {
    this.deps.stats.received++;
    if (this.busy && this.reader === undefined && this.full) {
      // UDP while a batch is with the broker: nothing to slow down, and memory stays bounded.
      this.deps.stats.droppedFull++;
      return;
    }
    this.frames.push({ bytes, peer });
    this.bytes += bytes.length;
    if (this.busy) return;
    if (this.full) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /**
   * At the socket's close: what was read is handed on as usual, waiting out refusals (a sender
   * such as `logger` writes and closes at once). Resolves once nothing is left.
   */
  drain(): Promise<void> {
    this.ended = true;
    if (this.empty) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }

  /**
   * At shutdown, before ingest closes: hands on what is gathered, and from now on a refusal
   * drops (counted) instead of waiting. Resolves once nothing is left.
   */
  async finish(): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    for (;;) {
      if (this.inFlight !== undefined) await this.inFlight;
      else if (this.held !== undefined || this.frames.length > 0) this.flush();
      else break;
    }
    this.settle();
  }

  private get empty(): boolean {
    return !this.busy && this.held === undefined && this.frames.length === 0;
  }

  private settle(): void {
    if (!this.empty) return;
    for (const resolve of this.emptied.splice(0)) resolve();
  }

  private get busy(): boolean {
    return this.inFlight !== undefined || this.retry !== undefined;
  }

  private get full(): boolean {
    return this.frames.length >= this.maxLogs || this.bytes >= BATCH_MAX_BYTES;
  }

  private flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (!this.busy) {
      if (this.held === undefined && this.pieces.length === 0) {
        if (this.frames.length === 0) break;
        // Before parsing: a service that is full now is not made to parse what it will refuse.
        const refused = this.deps.ingest.refusal();
        if (refused !== undefined) {
          this.refused(refused, this.frames.length, () => this.dropFrames());
          continue;
        }
      }
      const logs = this.held ?? this.pieces.pop() ?? this.nextBatch();
      this.held = undefined;
      if (logs.length === 0) continue;
      let result: IngestResult | Promise<IngestResult>;
      try {
        result = this.deps.ingest.ingest({
          single: false,
          items: logs,
          indexes: null,
          surrogateEscapes: false,
        });
      } catch (err) {
        if (err instanceof RateLimitedError && this.reader === undefined) {
          if (logs.length > 1) {
            const half = logs.length >> 1;
            this.pieces.push(logs.slice(half), logs.slice(0, half));
            continue;
          }
          // Not even one more fits: the rest of the batch is over the rate too.
          const rest = this.pieces.reduce((n, piece) => n + piece.length, 0);
          this.pieces = [];
          this.refused(err, logs.length + rest, () => undefined, logs);
          continue;
        }
        this.refused(err, logs.length, () => undefined, logs);
        continue;
      }
      if (result instanceof Promise) {
        this.pause();
        this.inFlight = result.then(
          (done) => this.counted(done),
          (err: unknown) => this.refused(err, logs.length, () => undefined, logs),
        );
        void this.inFlight.finally(() => {
          this.inFlight = undefined;
          if (!this.closed) this.flush();
        });
        return;
      }
      this.counted(result);
    }
    if (!this.busy) this.resume();
    this.settle();
  }

  /** Up to a batch of frames, parsed; frames that are not UTF-8 are counted and left out. */
  private nextBatch(): SyslogLog[] {
    const taken = this.frames.length <= this.maxLogs ? this.frames : this.frames.slice(0, this.maxLogs);
    this.frames = taken === this.frames ? [] : this.frames.slice(taken.length);
    const { org, stats, now } = this.deps;
    const at = now();
    const logs: SyslogLog[] = [];
    for (const { bytes, peer } of taken) {
      this.bytes -= bytes.length;
      // Decoding would put U+FFFD in place of the bytes: the service never changes what was sent.
      if (!isUtf8(bytes)) {
        stats.invalid++;
        continue;
      }
      const parsed = parseSyslog(bytes.toString('utf8'), org, peer, at);
      if (parsed.form === 'unparsed') stats.unparsed++;
      logs.push(parsed.log);
    }
    if (this.frames.length === 0) this.bytes = 0;
    return logs;
  }

  private counted(result: IngestResult): void {
    this.deps.stats.accepted += result.accepted;
    this.deps.stats.invalid += result.failed;
  }

  /**
   * What the stage said instead of taking `n` logs: invalid ones are counted; a wait (full, the
   * rate) is waited out by a TCP feed with the logs held, and drops them for UDP or once closed.
   */
  private refused(err: unknown, n: number, drop: () => void, logs?: SyslogLog[]): void {
    const { stats, logger } = this.deps;
    if (err instanceof BadRequestError) {
      // Every log of the batch was invalid (the stage answers 400 only then).
      stats.invalid += n;
      return;
    }
    const waitSecs =
      err instanceof RateLimitedError || err instanceof OverloadedError ? err.retryAfterSecs : undefined;
    if (waitSecs !== undefined && this.reader !== undefined && !this.closed) {
      this.held = logs;
      stats.pauses++;
      this.pause();
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.flush();
      }, waitSecs * 1000);
      return;
    }
    drop();
    if (err instanceof RateLimitedError) stats.droppedRateLimited += n;
    else {
      stats.droppedFull += n;
      if (!(err instanceof OverloadedError || err instanceof ShuttingDownError)) {
        logger.error({ err }, 'the ingest stage failed on a syslog batch: dropped');
      }
    }
  }

  private dropFrames(): void {
    this.frames = [];
    this.bytes = 0;
  }

  private pause(): void {
    if (this.paused || this.reader === undefined) return;
    this.paused = true;
    this.reader.pause();
  }

  private resume(): void {
    if (!this.paused || this.reader === undefined) return;
    this.paused = false;
    if (!this.closed && !this.ended) this.reader.resume();
  }
}
