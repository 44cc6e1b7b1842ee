import { zeroStats } from '../counters.ts';
import type { Logger } from '../logger.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import { newTemplateId, type Template } from '../model/template.ts';
import type { TemplateChange } from '../model/template-change.ts';
import { Matcher, MatcherSnapshot } from '../match/index.ts';
import { toStoredLog } from '../match/stage.ts';
import { OrgTally } from '../quota/org-tally.ts';
import type { Channel } from '../transport/types.ts';
import { hasConstantText } from './checks.ts';
import { GENERATE_COUNTERS, type GenerateStats } from './counters.ts';
import { mergeTemplates } from './merge.ts';
import type { ProposedTemplate, TemplateGenerator } from './generator.ts';

/** Times a log is handed to the generator before it is stored without a template. */
const MAX_ATTEMPTS = 2;

interface HeldLog {
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

export type { GenerateStats } from './counters.ts';

/** What a process without a generate stage reports (Kafka roles other than generator). */
export const NO_GENERATE_STATS = zeroStats(GENERATE_COUNTERS);

export interface GenerateStage {
  /** False when the held-log ceiling is reached: the HTTP layer answers 503 then. */
  hasRoom(): boolean;
  stats(): GenerateStats;
  /**
   * Dispatches every held log now and resolves once each one has gone on (with a template or,
   * after its attempts, without). Kafka mode calls it per consumed batch, so that the batch's
   * output can be committed with its offsets.
   */
  flush(): Promise<void>;
  /** Generates for every held log (up to the deadline), stores the rest without a template. */
  stop(deadlineMs: number): Promise<void>;
}

export interface GenerateConfig {
  queueMaxLogs: number;
  maxConcurrentBatches: number;
  /**
   * Templates live in memory in every matcher: an org whose lines defeat the generator (a
   * template per line) must not grow them without bound. At the cap the org's unmatched lines
   * are stored without a template at once, without asking the generator (no LLM bill for a
   * flood of unique lines); a batch already asked may still refine known templates.
   */
  maxTemplatesPerOrg: number;
}

export interface GenerateDeps {
  generator: TemplateGenerator;
  channels: {
    unmatched: Channel<LogRecord>;
    matched: Channel<StoredLog>;
    templates: Channel<TemplateChange>;
    /**
     * Templates made or deleted elsewhere: by other generator processes in Kafka mode (the
     * templates topic). A change the stage made itself is recognised and skipped.
     */
    knownTemplates?: Channel<TemplateChange>;
  };
  /** Persists new and refined templates (the store buffers and retries); Kafka mode's writer stores them instead. */
  saveTemplates?: (templates: Template[]) => void;
  initial: readonly Template[];
  logger: Logger;
  now?: () => number;
}

/**
 * Holds unmatched logs per org, hands them to the generator in batches, checks what comes
 * back, publishes accepted templates, and sends the held logs on with their template.
 * The generate stage keeps its own template registry (a Matcher) so that it can re-match
 * held logs without reaching into the match stage: in Kafka mode they are other processes.
 */
export function startGenerate(config: GenerateConfig, deps: GenerateDeps): GenerateStage {
  const { generator, channels, logger } = deps;
  const now = deps.now ?? Date.now;
  const registry = new Matcher(MatcherSnapshot.empty().withChanges([...deps.initial]));
  /** Per org, template text → id: a proposal identical to a known template is not added twice. */
  const idsByText = new Map<string, Map<string, number>>();
  const textIndex = (org: string): Map<string, number> => {
    let index = idsByText.get(org);
    if (index === undefined) idsByText.set(org, (index = new Map<string, number>()));
    return index;
  };
  for (const template of deps.initial) textIndex(template.org).set(template.text, template.id);
  const pending = new Map<string, HeldLog[]>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Orgs whose batch is due but waits for a free generation slot. */
  const waitingForSlot = new Set<string>();
  const inFlight = new Set<InFlightBatch>();
  const abort = new AbortController();
  // Every counter from zero; the queue figures and the by-org tally are read when asked.
  const counters = { ...NO_GENERATE_STATS };
  const templateCap = new OrgTally();
  let held = 0;
  let inFlightLogs = 0;
  let stopping = false;
  /** flush() calls running: batches go out at once, as when stopping. */
  let flushing = 0;

  deps.channels.knownTemplates?.subscribe((changes) => {
    const upserts: Template[] = [];
    const deletes: Array<{ org: string; id: number }> = [];
    for (const change of changes) {
      if (change.kind === 'upsert') {
        const { org, id, text } = change.template;
        const known = registry.current.get(org, id);
        if (known?.text === text) continue;
        if (known !== undefined) textIndex(org).delete(known.text);
        textIndex(org).set(text, id);
        upserts.push(change.template);
      } else {
        const known = registry.current.get(change.org, change.id);
        if (known === undefined) continue;
        textIndex(change.org).delete(known.text);
        deletes.push({ org: change.org, id: change.id });
      }
    }
    if (upserts.length > 0 || deletes.length > 0) registry.apply(upserts, deletes);
    if (upserts.length > 0) generator.seed(upserts);
  });

  channels.unmatched.subscribe((logs) => {
    for (const log of logs) {
      let queue = pending.get(log.org);
      if (queue === undefined) pending.set(log.org, (queue = []));
      queue.push({ log, attempts: 0 });
      held++;
    }
    for (const log of logs) schedule(log.org);
  });

  function schedule(org: string): void {
    if (waitingForSlot.has(org)) return;
    const queue = pending.get(org);
    if (queue === undefined || queue.length === 0) return;
    const full = queue.length >= generator.batching.maxLines || stopping || flushing > 0;
    const waiting = timers.get(org);
    if (waiting !== undefined) {
      // A batch that fills up goes now, not when the timer of its first line runs out.
      if (!full) return;
      clearTimeout(waiting);
    }
    const timer = setTimeout(
      () => {
        timers.delete(org);
        dispatch(org);
      },
      full ? 0 : generator.batching.maxWaitMs,
    );
    timers.set(org, timer);
  }

  /** An org has a batch being generated: its next batch waits, since that one's template may cover it. */
  function busy(org: string): boolean {
    for (const entry of inFlight) if (entry.org === org) return true;
    return false;
  }

  function dispatch(org: string): void {
    const queue = pending.get(org);
    if (queue === undefined || queue.length === 0) return;
    if (inFlight.size >= config.maxConcurrentBatches || busy(org)) {
      waitingForSlot.add(org);
      return;
    }
    const batch = queue.splice(0, generator.batching.maxLines);
    if (queue.length === 0) pending.delete(org);
    held -= batch.length;

    // A template made since these logs arrived may already match them: never ask twice.
    const snapshot = registry.current;
    const rows: StoredLog[] = [];
    const ask: HeldLog[] = [];
    for (const item of batch) {
      const match = snapshot.match(org, item.log.message);
      if (match === undefined) ask.push(item);
      else rows.push(toStoredLog(item.log, match));
    }
    counters.matchedAfterGeneration += rows.length;
    if (ask.length > 0 && atTemplateCap(org)) {
      // No new template could be taken for this org: asking would only spend generator time
      // (an LLM bill, for a flood of unique lines). The logs are stored now, without one.
      for (const item of ask) rows.push(toStoredLog(item.log, undefined));
      countTemplateCap(org, ask.length);
    } else if (ask.length > 0) {
      runBatch(org, ask);
    }
    publishMatched(rows);
    schedule(org);
  }

  function runBatch(org: string, batch: HeldLog[]): void {
    counters.batches++;
    inFlightLogs += batch.length;
    const lines = batch.map((item) => item.log.message);
    const entry: InFlightBatch = { org, batch, abandoned: false, task: Promise.resolve() };
    entry.task = generator
      .generate(org, lines, abort.signal)
      .then(
        (proposals) => {
          if (entry.abandoned) return;
          try {
            accept(org, proposals, batch);
          } catch (err) {
            // A proposal the registry cannot take must not lose the batch (an unhandled
            // rejection, and its logs never stored): they go on without a template.
            counters.generationErrors++;
            logger.error({ err, org, lines: batch.length }, 'accepting templates failed');
            for (const item of batch) item.attempts = MAX_ATTEMPTS;
            settle(org, batch);
          }
        },
        (err: unknown) => {
          if (entry.abandoned) return;
          counters.generationErrors++;
          logger.warn({ err, org, lines: batch.length }, 'template generation failed');
          for (const item of batch) item.attempts = MAX_ATTEMPTS;
          settle(org, batch);
        },
      )
      .finally(() => {
        if (!entry.abandoned) finish(entry);
      });
    inFlight.add(entry);
  }

  function finish(entry: InFlightBatch): void {
    inFlightLogs -= entry.batch.length;
    inFlight.delete(entry);
    // Orgs parked for a slot, or behind their own batch, go in arrival order while slots last.
    for (const org of [...waitingForSlot]) {
      if (inFlight.size >= config.maxConcurrentBatches) break;
      if (busy(org)) continue;
      waitingForSlot.delete(org);
      dispatch(org);
    }
  }

  function accept(org: string, proposals: readonly ProposedTemplate[], batch: HeldLog[]): void {
    const current = registry.current;
    const upserts: Template[] = [];
    const at = now();
    const texts = textIndex(org);
    for (const proposal of proposals) {
      if (!hasConstantText(proposal.text)) {
        counters.proposalsRejected++;
        continue;
      }
      const existing = proposal.id === undefined ? undefined : current.get(org, proposal.id);
      if (existing !== undefined && existing.text === proposal.text) continue;
      if (existing === undefined && current.countFor(org) + upserts.length >= config.maxTemplatesPerOrg) {
        counters.proposalsRejected++;
        continue;
      }
      const sameText = texts.get(proposal.text);
      if (sameText !== undefined && sameText !== proposal.id) continue;
      if (proposal.id === undefined) {
        // A model's template that differs from a known one only where one of them has a
        // variable refines that template instead of splitting its event in two. (The miner
        // proposes under its own cluster ids and generalises its clusters itself.)
        const merged = mergeIntoKnown(org, proposal.text, upserts);
        if (merged !== undefined) {
          counters.templatesMerged++;
          if (merged.text !== merged.into.text) {
            texts.delete(merged.into.text);
            texts.set(merged.text, merged.into.id);
            const refined = { ...merged.into, text: merged.text, updatedAt: at };
            const pending = upserts.findIndex((t) => t.id === refined.id);
            if (pending === -1) {
              upserts.push(refined);
              counters.templatesUpdated++;
            } else {
              upserts[pending] = refined;
            }
          }
          continue;
        }
      }
      if (existing !== undefined) texts.delete(existing.text);
      const id = proposal.id ?? newTemplateId();
      texts.set(proposal.text, id);
      upserts.push({
        id,
        org,
        text: proposal.text,
        source: proposal.source ?? generator.source,
        createdAt: existing?.createdAt ?? at,
        updatedAt: at,
      });
      if (existing === undefined) counters.templatesCreated++;
      else counters.templatesUpdated++;
    }
    if (upserts.length > 0) {
      registry.apply(upserts);
      void channels.templates.publish(upserts.map((template) => ({ kind: 'upsert', template })));
      deps.saveTemplates?.(upserts);
    }
    for (const item of batch) item.attempts++;
    settle(org, batch);
  }

  /** The org's template (known, or made earlier in this call) that `text` merges into, if any. */
  function mergeIntoKnown(
    org: string,
    text: string,
    madeNow: readonly Template[],
  ): { into: Template; text: string } | undefined {
    const known = new Map(registry.current.templatesOf(org).map((t) => [t.id, t]));
    for (const template of madeNow) known.set(template.id, template);
    for (const into of known.values()) {
      const merged = mergeTemplates(into.text, text);
      if (merged !== undefined) return { into, text: merged };
    }
    return undefined;
  }

  function atTemplateCap(org: string): boolean {
    return registry.current.countFor(org) >= config.maxTemplatesPerOrg;
  }

  function countTemplateCap(org: string, lines: number): void {
    counters.storedWithoutTemplate += lines;
    counters.templateCapLines += lines;
    templateCap.add(org, lines);
  }

  /** Held logs a template now matches go on; the others go back, or out without one. */
  function settle(org: string, batch: HeldLog[]): void {
    const snapshot = registry.current;
    const rows: StoredLog[] = [];
    const retry: HeldLog[] = [];
    // At the cap another attempt could not add a template: what is unmatched now stays so.
    const capped = atTemplateCap(org);
    for (const item of batch) {
      const match = snapshot.match(org, item.log.message);
      if (match !== undefined) {
        rows.push(toStoredLog(item.log, match));
        counters.matchedAfterGeneration++;
      } else if (capped) {
        rows.push(toStoredLog(item.log, undefined));
        countTemplateCap(org, 1);
      } else if (item.attempts >= MAX_ATTEMPTS || abort.signal.aborted) {
        rows.push(toStoredLog(item.log, undefined));
        counters.storedWithoutTemplate++;
      } else {
        retry.push(item);
      }
    }
    publishMatched(rows);
    if (retry.length > 0) {
      counters.retries += retry.length;
      let queue = pending.get(org);
      if (queue === undefined) pending.set(org, (queue = []));
      queue.unshift(...retry);
      held += retry.length;
      schedule(org);
    }
  }

  function publishMatched(rows: StoredLog[]): void {
    if (rows.length > 0) void channels.matched.publish(rows);
  }

  /** Dispatches what is held at once and waits until nothing is held or in flight, or the deadline. */
  async function drainHeld(deadlineMs: number): Promise<void> {
    for (const [org, timer] of timers) {
      clearTimeout(timer);
      timers.delete(org);
      dispatch(org);
    }
    // Dispatch keeps going as batches complete; wait until nothing is held or time is up.
    while ((held > 0 || inFlight.size > 0) && now() < deadlineMs) {
      for (const org of pending.keys()) if (!timers.has(org)) dispatch(org);
      if (inFlight.size > 0) {
        // The deadline timer is cancelled once a batch settles: a pending timer would keep
        // the process alive until the deadline after stop() returned.
        const wait = new AbortController();
        await Promise.race([
          ...[...inFlight].map((entry) => entry.task),
          sleep(Math.min(2 ** 31 - 1, Math.max(1, deadlineMs - now())), wait.signal),
        ]);
        wait.abort();
      } else {
        await sleep(1);
      }
    }
  }

  /** Stores every held log without a template: the last resort when stopping runs out of time. */
  function releaseAll(): void {
    for (const [org, queue] of pending) {
      pending.delete(org);
      held -= queue.length;
      for (const item of queue) item.attempts = MAX_ATTEMPTS;
      settle(org, queue);
    }
  }

  return {
    hasRoom() {
      return held + inFlightLogs < config.queueMaxLogs;
    },
    stats() {
      return {
        ...counters,
        queueDepth: held + inFlightLogs,
        inFlightBatches: inFlight.size,
        templateCapByOrg: templateCap.byOrg(),
      };
    },
    async flush() {
      flushing++;
      try {
        await drainHeld(Number.POSITIVE_INFINITY);
      } finally {
        flushing--;
      }
    },
    async stop(deadlineMs) {
      stopping = true;
      await drainHeld(deadlineMs);
      if (held > 0 || inFlight.size > 0) {
        logger.warn(
          { held, inFlight: inFlight.size },
          'stop deadline reached: storing held logs without a template',
        );
        abort.abort();
        // A generator that ignores the abort must not hold up the shutdown: its batch is
        // stored now and its late answer ignored, so no log is stored twice.
        for (const entry of [...inFlight]) {
          entry.abandoned = true;
          finish(entry);
          for (const item of entry.batch) item.attempts = MAX_ATTEMPTS;
          settle(entry.org, entry.batch);
        }
        releaseAll();
      }
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
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
