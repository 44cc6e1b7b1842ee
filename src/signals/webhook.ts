/**
 * TEMPLATE_WEBHOOK_URL: a JSON event POSTed when an org gets a new template, or when a
 * template's rate jumps (signals/rate-jumps.ts). Delivery never
 * holds up ingestion: events wait in a bounded queue (the oldest dropped, and counted, when it
 * is full) and go out one at a time, each retried with exponential backoff a bounded number of
 * times. Delivery is at least once (a Kafka generator that redoes a batch sends its events
 * again): `id` is the same for the same template, for the receiver to drop repeats.
 */
import type { Logger } from '../logger.ts';
import type { Template } from '../model/template.ts';
import type { WebhookEvent } from './events.ts';

export interface WebhookOptions {
  url: string;
  logger: Logger;
  /** Events waiting at most; beyond, the oldest is dropped. */
  maxQueue?: number;
  /** Tries per event, the first included. */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** One POST's time limit. */
  timeoutMs?: number;
}

export interface WebhookStats {
  sent: number;
  failed: number;
  dropped: number;
  queued: number;
}

export class TemplateWebhook {
  readonly #o: Required<WebhookOptions>;
  readonly #queue: WebhookEvent[] = [];
  readonly #stats = { sent: 0, failed: 0, dropped: 0 };
  #running = false;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(options: WebhookOptions) {
    this.#o = {
      maxQueue: 1000,
      maxAttempts: 6,
      initialBackoffMs: 500,
      maxBackoffMs: 60_000,
      timeoutMs: 5000,
      ...options,
    };
  }

  /** Queues an event per new template; returns at once. */
  templatesCreated(templates: readonly Template[]): void {
    this.send(
      templates.map((t) => ({
        id: `${t.org}:${t.id}:new`,
        type: 'template.new',
        org: t.org,
        template_id: t.id,
        template: t.text,
        source: t.source,
        created_at: new Date(t.createdAt).toISOString(),
      })),
    );
  }

  /** Queues events; returns at once. */
  send(events: readonly WebhookEvent[]): void {
    if (this.#stopped) return;
    for (const event of events) {
      if (this.#queue.length >= this.#o.maxQueue) {
        this.#queue.shift();
        this.#stats.dropped++;
      }
      this.#queue.push(event);
    }
    if (!this.#running) void this.#drain();
  }

  stats(): WebhookStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /** Stops delivering; what is still queued is not sent. */
  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      for (
        let event = this.#queue.shift();
        event !== undefined && !this.#stopped;
        event = this.#queue.shift()
      ) {
        await this.#deliver(event);
      }
    } finally {
      this.#running = false;
    }
  }

  async #deliver(event: WebhookEvent): Promise<void> {
    let backoff = this.#o.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      let why: string;
      try {
        const res = await fetch(this.#o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'log-ingest-webhook' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(this.#o.timeoutMs),
        });
        await res.body?.cancel();
        if (res.ok) {
          this.#stats.sent++;
          return;
        }
        why = `HTTP ${res.status}`;
      } catch (err) {
        why = err instanceof Error ? err.message : String(err);
      }
      if (attempt >= this.#o.maxAttempts || this.#stopped) {
        this.#stats.failed++;
        this.#o.logger.warn(
          { event: event.id, attempts: attempt, why },
          'template webhook: event not delivered',
        );
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        timer.unref();
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
      backoff = Math.min(backoff * 2, this.#o.maxBackoffMs);
    }
  }
}

/** The webhook of TEMPLATE_WEBHOOK_URL, or undefined when it is not set. */
export function templateWebhook(url: string | undefined, logger: Logger): TemplateWebhook | undefined {
  return url === undefined
    ? undefined
    : new TemplateWebhook({ url, logger: logger.child({ stage: 'webhook' }) });
}
