import type { Logger } from '../logger.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import type { UntemplatedReason } from '../model/untemplated.ts';
import type { Channel } from '../transport/types.ts';
import type { GenerateStats } from './counters.ts';
import type { ProposedTemplate, TemplateGenerator } from './generator.ts';

/** Times a log is handed to the generator before it is stored without a template. */
export const MAX_ATTEMPTS = 2;

export interface HeldLog {
  log: LogRecord;
  attempts: number;
}

interface InFlightBatch {
  org: string;
  batch: HeldLog[];
  /** Given up on at the stop deadline: its logs were stored, a late answer is ignored. */
  abandoned: boolean;
  task: Promise<void>;
}

/**
 * Where held logs go around the generator call (the template registry): `triage` before it,
 * `accept` with its answer, `settle` after it. Each returns the rows that go on now.
 */
export interface Placement {
  triage(org: string, items: readonly HeldLog[]): { rows: StoredLog[]; ask: HeldLog[] };
  accept(org: string, proposals: readonly ProposedTemplate[], lines: readonly string[]): void;
  settle(
    org: string,
    items: readonly HeldLog[],
    giveUp: (item: HeldLog) => UntemplatedReason | undefined,
  ): { rows: StoredLog[]; retry: HeldLog[] };
}

export interface HeldQueueConfig {
  /** Held logs (waiting or in a batch being generated) at which hasRoom() turns false. */
  queueMaxLogs: number;
  maxConcurrentBatches: number;
}

export interface HeldQueueDeps {
  generator: Pick<TemplateGenerator, 'batching' | 'generate'>;
  placement: Placement;
  /** Where held logs go on, with their template or without one. */
  matched: Channel<StoredLog>;
  /** The stage's counters: batches, retries, generation errors. */
  stats: GenerateStats;
  logger: Logger;
  now: () => number;
}

/**
 * Holds unmatched logs per org and hands them to the generator in batches: a batch goes when
 * it is full or its first line has waited long enough, at most maxConcurrentBatches at once
 * and one per org. A log is asked for MAX_ATTEMPTS times before it goes on without a template.
 */
export class HeldQueue {
  private readonly config: HeldQueueConfig;
  private readonly deps: HeldQueueDeps;
  private readonly pending = new Map<string, HeldLog[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Orgs whose batch is due but waits for a free generation slot. */
  private readonly waitingForSlot = new Set<string>();
  private readonly inFlight = new Set<InFlightBatch>();
  private readonly abort = new AbortController();
  private held = 0;
  private inFlightLogs = 0;
  private stopping = false;
  /** flush() calls running: batches go out at once, as when stopping. */
  private flushing = 0;

  constructor(config: HeldQueueConfig, deps: HeldQueueDeps) {
    this.config = config;
    this.deps = deps;
  }

  /** False when the held-log ceiling is reached. */
  hasRoom(): boolean {
    return this.held + this.inFlightLogs < this.config.queueMaxLogs;
  }

  /** Logs held: waiting for a batch or inside one being generated. */
  get depth(): number {
    return this.held + this.inFlightLogs;
  }

  get inFlightBatches(): number {
    return this.inFlight.size;
  }

  add(logs: readonly LogRecord[]): void {
    for (const log of logs) {
      let queue = this.pending.get(log.org);
      if (queue === undefined) this.pending.set(log.org, (queue = []));
      queue.push({ log, attempts: 0 });
      this.held++;
    }
    for (const log of logs) this.schedule(log.org);
  }

  /** Dispatches every held log now and resolves once each one has gone on. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      await this.drainHeld(Number.POSITIVE_INFINITY);
    } finally {
      this.flushing--;
    }
  }

  /** Generates for every held log (up to the deadline), stores the rest without a template. */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    await this.drainHeld(deadlineMs);
    if (this.held > 0 || this.inFlight.size > 0) {
      this.deps.logger.warn(
        { held: this.held, inFlight: this.inFlight.size },
        'stop deadline reached: storing held logs without a template',
      );
      this.abort.abort();
      // A generator that ignores the abort must not hold up the shutdown: its batch is
      // stored now and its late answer ignored, so no log is stored twice.
      for (const entry of [...this.inFlight]) {
        entry.abandoned = true;
        this.finish(entry);
        this.settle(entry.org, entry.batch, 'shutdown');
      }
      this.releaseAll();
    }
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(org: string): void {
    if (this.waitingForSlot.has(org)) return;
    const queue = this.pending.get(org);
    if (queue === undefined || queue.length === 0) return;
    const { batching } = this.deps.generator;
    const full = queue.length >= batching.maxLines || this.stopping || this.flushing > 0;
    const waiting = this.timers.get(org);
    if (waiting !== undefined) {
      // A batch that fills up goes now, not when the timer of its first line runs out.
      if (!full) return;
      clearTimeout(waiting);
    }
    const timer = setTimeout(
      () => {
        this.timers.delete(org);
        this.dispatch(org);
      },
      full ? 0 : batching.maxWaitMs,
    );
    this.timers.set(org, timer);
  }

  /** An org has a batch being generated: its next batch waits, since that one's template may cover it. */
  private busy(org: string): boolean {
    for (const entry of this.inFlight) if (entry.org === org) return true;
    return false;
  }

  private dispatch(org: string): void {
    const queue = this.pending.get(org);
    if (queue === undefined || queue.length === 0) return;
    if (this.inFlight.size >= this.config.maxConcurrentBatches || this.busy(org)) {
      this.waitingForSlot.add(org);
      return;
    }
    const batch = queue.splice(0, this.deps.generator.batching.maxLines);
    if (queue.length === 0) this.pending.delete(org);
    this.held -= batch.length;

    // A template made since these logs arrived may already match them: never ask twice.
    const { rows, ask } = this.deps.placement.triage(org, batch);
    if (ask.length > 0) this.runBatch(org, ask);
    this.publishMatched(rows);
    this.schedule(org);
  }

  private runBatch(org: string, batch: HeldLog[]): void {
    const { stats, logger, placement } = this.deps;
    stats.batches++;
    this.inFlightLogs += batch.length;
    const lines = batch.map((item) => item.log.message);
    const entry: InFlightBatch = { org, batch, abandoned: false, task: Promise.resolve() };
    entry.task = this.deps.generator
      .generate(org, lines, this.abort.signal)
      .then(
        async (proposals) => {
          if (entry.abandoned) return;
          try {
            // In slices, yielding between them: a batch of long lines and templates (up to
            // 1,000 tokens each) costs the tries of the registry and the matchers, and the
            // re-matching of its lines, tens of milliseconds.
            const slices = bySize(proposals, (p) => p.text.length);
            for (const slice of slices) {
              placement.accept(org, slice, lines);
              if (slices.length > 1 && !(await this.yielded(entry))) return;
            }
            for (const item of batch) item.attempts++;
            const chunks = bySize(batch, (item) => item.log.message.length);
            for (const chunk of chunks) {
              this.settle(org, chunk);
              if (chunks.length > 1 && !(await this.yielded(entry))) return;
            }
          } catch (err) {
            // A proposal the registry cannot take must not lose the batch (an unhandled
            // rejection, and its logs never stored): they go on without a template.
            stats.generationErrors++;
            logger.error({ err, org, lines: batch.length }, 'accepting templates failed');
            this.settle(org, batch, 'generator_failed');
          }
        },
        (err: unknown) => {
          if (entry.abandoned) return;
          stats.generationErrors++;
          logger.warn({ err, org, lines: batch.length }, 'template generation failed');
          this.settle(org, batch, 'generator_failed');
        },
      )
      .finally(() => {
        if (!entry.abandoned) this.finish(entry);
      });
    this.inFlight.add(entry);
  }

  /** Lets the event loop run; false when stop() has meanwhile stored the batch (so must we not). */
  private async yielded(entry: InFlightBatch): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    return !entry.abandoned;
  }

  private finish(entry: InFlightBatch): void {
    this.inFlightLogs -= entry.batch.length;
    this.inFlight.delete(entry);
    // Orgs parked for a slot, or behind their own batch, go in arrival order while slots last.
    for (const org of [...this.waitingForSlot]) {
      if (this.inFlight.size >= this.config.maxConcurrentBatches) break;
      if (this.busy(org)) continue;
      this.waitingForSlot.delete(org);
      this.dispatch(org);
    }
  }

  /**
   * Held logs a template now matches go on; the others go back, or out without one: at once for
   * `ending` (the generator failed, or the service is stopping), after MAX_ATTEMPTS otherwise.
   */
  private settle(org: string, batch: HeldLog[], ending?: UntemplatedReason): void {
    const { rows, retry } = this.deps.placement.settle(org, batch, (item) => {
      if (ending !== undefined) return ending;
      if (this.abort.signal.aborted) return 'shutdown';
      return item.attempts >= MAX_ATTEMPTS ? 'no_template_fit' : undefined;
    });
    this.publishMatched(rows);
    if (retry.length > 0) {
      this.deps.stats.retries += retry.length;
      let queue = this.pending.get(org);
      if (queue === undefined) this.pending.set(org, (queue = []));
      queue.unshift(...retry);
      this.held += retry.length;
      this.schedule(org);
    }
  }

  private publishMatched(rows: StoredLog[]): void {
    if (rows.length > 0) void this.deps.matched.publish(rows);
  }

  /** Dispatches what is held at once and waits until nothing is held or in flight, or the deadline. */
  private async drainHeld(deadlineMs: number): Promise<void> {
    const { now } = this.deps;
    for (const [org, timer] of this.timers) {
      clearTimeout(timer);
      this.timers.delete(org);
      this.dispatch(org);
    }
    // Dispatch keeps going as batches complete; wait until nothing is held or time is up.
    while ((this.held > 0 || this.inFlight.size > 0) && now() < deadlineMs) {
      for (const org of this.pending.keys()) if (!this.timers.has(org)) this.dispatch(org);
      if (this.inFlight.size > 0) {
        // The deadline timer is cancelled once a batch settles: a pending timer would keep
        // the process alive until the deadline after stop() returned.
        const wait = new AbortController();
        await Promise.race([
          ...[...this.inFlight].map((entry) => entry.task),
          sleep(Math.min(2 ** 31 - 1, Math.max(1, deadlineMs - now())), wait.signal),
        ]);
        wait.abort();
      } else {
        await sleep(1);
      }
    }
  }

  /** Stores every held log without a template: the last resort when stopping runs out of time. */
  private releaseAll(): void {
    for (const [org, queue] of this.pending) {
      this.pending.delete(org);
      this.held -= queue.length;
      this.settle(org, queue, 'shutdown');
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (and then leaves no timer behind). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Characters of template or line text handled per event-loop turn (a template of 1,000 tokens costs the three tries it enters about 2 ms each). */
const SLICE_CHARS = 12_288;

/** `items` in runs of at most SLICE_CHARS characters (at least one item each; one empty run for none). */
function bySize<T>(items: readonly T[], chars: (item: T) => number): T[][] {
  const slices: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const own = chars(item);
    if (current.length > 0 && size + own > SLICE_CHARS) {
      slices.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += own;
  }
  if (current.length > 0 || slices.length === 0) slices.push(current);
  return slices;
}
