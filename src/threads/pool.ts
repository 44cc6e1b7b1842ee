/**
 * The request path's worker threads (INGEST_THREADS): request bodies are transferred to them
 * to be parsed, validated, matched and encoded (prepare.ts), and come back ready for the
 * write-ahead log. The main thread keeps what has one owner: HTTP, quotas, the write-ahead
 * log, the store, the generator. Every template change published on the main thread is
 * forwarded to every worker, in order, before any body sent after it. A worker that dies is
 * replaced (and said in the log); the requests it held are answered 503 and nothing of them
 * is stored. A job that takes longer than the request timeout counts as a dead worker.
 */
import { Worker } from 'node:worker_threads';
import {
  AppError,
  BadRequestError,
  OverloadedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import type { Framing } from '../ingest/body.ts';
import type { Logger } from '../logger.ts';
import type { Curation } from '../model/curation.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { Template } from '../model/template.ts';
import type { ThreadStats } from './counters.ts';
import type { FromWorker, PreparedBody, SerializedError, ToWorker, WorkerSettings } from './protocol.ts';

const WORKER_FILE = new URL('./worker.ts', import.meta.url);

export interface ThreadPoolOptions extends Omit<WorkerSettings, 'templates' | 'curations'> {
  readonly threads: number;
  /** A job not answered within this long: its worker is taken for stuck and replaced. */
  readonly jobTimeoutMs: number;
  readonly templates: readonly Template[];
  readonly curations: readonly Curation[];
  readonly logger: Logger;
}

interface Pending {
  resolve: (body: PreparedBody) => void;
  reject: (err: Error) => void;
  sentAt: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export class ThreadPool {
  readonly #options: ThreadPoolOptions;
  readonly #slots: Slot[] = [];
  /** What a replacement worker starts with: the templates and curations as changed so far. */
  readonly #templates = new Map<string, Template>();
  readonly #curations = new Map<string, Curation>();
  readonly #watchdog: NodeJS.Timeout;
  #nextId = 0;
  #next = 0;
  #restarts = 0;
  #bodies = 0;
  #stopping = false;

  constructor(options: ThreadPoolOptions) {
    this.#options = options;
    for (const t of options.templates) this.#templates.set(key(t.org, t.id), t);
    for (const c of options.curations) this.#curations.set(key(c.org, c.id), c);
    for (let i = 0; i < options.threads; i++) this.#slots.push(this.#spawn());
    this.#watchdog = setInterval(() => this.#replaceStuck(), Math.min(1000, options.jobTimeoutMs));
    this.#watchdog.unref();
  }

  /** Parses, validates, matches and encodes a body on the least busy worker. */
  prepare(
    body: Buffer,
    framing: Framing,
    contentEncoding: string | undefined,
    at: number,
  ): Promise<PreparedBody> {
    const slot = this.#leastBusy();
    const id = this.#nextId++;
    this.#bodies++;
    // A body with an ArrayBuffer of its own moves to the worker; a slice of a shared pool
    // (small bodies) is copied, since moving it would take its neighbours along.
    const own = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength;
    const bytes = own ? body : new Uint8Array(body);
    const job: ToWorker = { kind: 'job', id, body: bytes, framing, contentEncoding, at };
    return new Promise<PreparedBody>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, sentAt: Date.now() });
      slot.worker.postMessage(job, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Forwards template changes to every worker (and keeps them for a replacement). */
  templatesChanged(changes: readonly TemplateChange[]): void {
    for (const change of changes) {
      if (change.kind === 'upsert')
        this.#templates.set(key(change.template.org, change.template.id), change.template);
      else if (change.kind === 'delete') this.#templates.delete(key(change.org, change.id));
      else this.#curations.set(key(change.curation.org, change.curation.id), change.curation);
    }
    const message: ToWorker = { kind: 'templates', changes };
    for (const slot of this.#slots) slot.worker.postMessage(message);
  }

  /** The running workers (for operations and tests: ending one shows it replaced). */
  workers(): readonly Worker[] {
    return this.#slots.map((slot) => slot.worker);
  }

  stats(): ThreadStats {
    let inFlight = 0;
    for (const slot of this.#slots) inFlight += slot.pending.size;
    return { threads: this.#slots.length, inFlight, bodies: this.#bodies, restarts: this.#restarts };
  }

  /** Waits for the bodies in flight (until `deadline`, epoch ms), then ends every worker. */
  async stop(deadline: number): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#watchdog);
    while (this.stats().inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }

  #spawn(): Slot {
    const o = this.#options;
    // Only what a worker reads: the logger, for one, cannot cross threads.
    const workerData: WorkerSettings = {
      limits: o.limits,
      lineFields: o.lineFields,
      maxLogs: o.maxLogs,
      bodyLimit: o.bodyLimit,
      templates: [...this.#templates.values()],
      curations: [...this.#curations.values()],
      orgIdleUnloadSecs: o.orgIdleUnloadSecs,
      logLevel: o.logLevel,
      frameRecords: o.frameRecords,
    };
    const worker = new Worker(WORKER_FILE, { workerData });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (answer: FromWorker) => {
      const pending = slot.pending.get(answer.id);
      if (pending === undefined) return;
      slot.pending.delete(answer.id);
      if (answer.kind === 'prepared') pending.resolve(answer);
      else pending.reject(deserializeError(answer.error));
    });
    worker.on('error', (err: Error) => this.#replace(slot, err));
    worker.on('exit', (code) => {
      if (!this.#stopping) this.#replace(slot, new Error(`exited with code ${code}`));
    });
    return slot;
  }

  /** Replaces a dead or stuck worker; the requests it held get 503, nothing of them stored. */
  #replace(slot: Slot, reason: Error): void {
    const at = this.#slots.indexOf(slot);
    if (at === -1 || this.#stopping) return;
    this.#restarts++;
    this.#options.logger.error(
      { err: reason, thread: slot.worker.threadId, requests: slot.pending.size },
      'a request thread died; its requests are refused (503) and a new thread takes its place',
    );
    this.#slots[at] = this.#spawn();
    void slot.worker.terminate();
    for (const pending of slot.pending.values()) {
      pending.reject(new OverloadedError('the thread handling this request stopped: retry', 1));
    }
    slot.pending.clear();
  }

  #replaceStuck(): void {
    const now = Date.now();
    for (const slot of [...this.#slots]) {
      for (const pending of slot.pending.values()) {
        if (now - pending.sentAt <= this.#options.jobTimeoutMs) continue;
        this.#replace(slot, new Error(`no answer within ${this.#options.jobTimeoutMs} ms`));
        break;
      }
    }
  }

  #leastBusy(): Slot {
    // Round robin among the least busy: equal loads take turns.
    let best: Slot | undefined;
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#slots[(this.#next + i) % this.#slots.length]!;
      if (best === undefined || slot.pending.size < best.pending.size) best = slot;
    }
    this.#next = (this.#next + 1) % this.#slots.length;
    return best!;
  }
}

function key(org: string, id: number): string {
  return `${org}\u0000${id}`;
}

/** The error the worker threw, as the class the HTTP layer maps (http/errors.ts). */
function deserializeError(e: SerializedError): Error {
  if (e.name === 'BadRequestError')
    return new BadRequestError(e.code ?? 'BAD_REQUEST', e.message, e.problems);
  if (e.name === 'PayloadTooLargeError')
    return new PayloadTooLargeError(e.code ?? 'TOO_LARGE', e.message, e.limit ?? 0);
  if (e.name === 'UnsupportedMediaTypeError') return new UnsupportedMediaTypeError(e.message);
  if (e.code !== undefined && e.name === 'AppError') return new AppError(e.code, e.message);
  // Fastify's own (the inflated body over the limit: 413) keep their code and status.
  return Object.assign(new Error(e.message), {
    ...(e.code === undefined ? {} : { code: e.code }),
    ...(e.statusCode === undefined ? {} : { statusCode: e.statusCode }),
  });
}
