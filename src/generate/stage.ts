import { zeroStats } from '../counters.ts';
import type { Logger } from '../logger.ts';
import type { LogRecord, StoredLog } from '../model/log.ts';
import type { Template } from '../model/template.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { Channel } from '../transport/types.ts';
import { GENERATE_COUNTERS, type GenerateStats } from './counters.ts';
import type { TemplateGenerator } from './generator.ts';
import { HeldQueue } from './held-queue.ts';
import { TemplateRegistry } from './registry.ts';

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
  /** ORG_IDLE_UNLOAD_SECS, for the registry's own matcher (see Matcher.unloadIdleOrgs). */
  orgIdleUnloadSecs?: number;
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
  /** Told of each template new to its org (TEMPLATE_WEBHOOK_URL); must return at once. */
  onTemplatesCreated?: (templates: Template[]) => void;
  initial: readonly Template[];
  logger: Logger;
  now?: () => number;
}

/**
 * Holds unmatched logs per org, hands them to the generator in batches, checks what comes
 * back, publishes accepted templates, and sends the held logs on with their template.
 * The held-log queue (held-queue.ts) does the holding and batching; the template registry
 * (registry.ts) the checking, publishing and re-matching.
 */
export function startGenerate(config: GenerateConfig, deps: GenerateDeps): GenerateStage {
  const { generator, channels, logger } = deps;
  const now = deps.now ?? Date.now;
  // Every counter from zero; the queue figures and the by-org tally are read when asked.
  const counters = { ...NO_GENERATE_STATS };
  const registry = new TemplateRegistry({
    initial: deps.initial,
    generator,
    templates: channels.templates,
    saveTemplates: deps.saveTemplates,
    onCreated: deps.onTemplatesCreated,
    maxTemplatesPerOrg: config.maxTemplatesPerOrg,
    stats: counters,
    now,
    // The lines of a refused template are stored without one (id 0) if nothing else takes
    // them: a class of lines left without a template must never go unnoticed.
    onRejected: (event) =>
      logger.warn(
        event,
        'a proposed template was refused; its lines are stored without one unless another takes them',
      ),
    onBroadWidening: (event) =>
      logger.warn(
        event,
        'one template widened over most of a batch of unmatched lines (GET /templates shows it; template poisoning looks like this)',
      ),
  });
  const queue = new HeldQueue(
    { queueMaxLogs: config.queueMaxLogs, maxConcurrentBatches: config.maxConcurrentBatches },
    { generator, placement: registry, matched: channels.matched, stats: counters, logger, now },
  );
  const stopUnloading = registry.unloadIdleOrgs(config.orgIdleUnloadSecs ?? 0);
  channels.knownTemplates?.subscribe((changes) => registry.follow(changes));
  channels.unmatched.subscribe((logs) => queue.add(logs));

  return {
    hasRoom: () => queue.hasRoom(),
    stats: () => ({
      ...counters,
      queueDepth: queue.depth,
      inFlightBatches: queue.inFlightBatches,
      templateCapByOrg: registry.templateCapByOrg(),
      templatesCreatedByOrg: registry.templatesCreatedByOrg(),
    }),
    flush: () => queue.flush(),
    stop: async (deadlineMs) => {
      await queue.stop(deadlineMs);
      stopUnloading();
    },
  };
}
