import type { CurationService } from '../curate/service.ts';
import type { Config, Role } from '../config.ts';
import { LlmGenerator, type LlmStats, type TemplateGenerator } from '../generate/index.ts';
import type { GenerateConfig, GenerateStage, GenerateStats } from '../generate/stage.ts';
import type { IngestStage } from '../ingest/stage.ts';
import type { Logger } from '../logger.ts';
import type { MatchStats } from '../match/stage.ts';
import type { Metrics } from '../metrics/prometheus.ts';
import type { Store, StoreStats } from '../store/stage.ts';
import type { RunningThreads } from '../threads/index.ts';
import type { WalStats } from '../wal/stage.ts';

/** One of the four roles; standalone runs all four in one process. */
export type RoleName = Exclude<Role, 'all'>;

/** Downstream first: a role starts once what it feeds is running; they stop in reverse. */
export const START_ORDER: readonly RoleName[] = ['writer', 'generator', 'matcher', 'ingest'];

/** What every role part is started with. */
export interface RoleDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** Created before the parts; it reads their counters only when scraped. */
  readonly metrics: Metrics;
}

/**
 * A running role, as the one assembly (serve.ts) sees it: its stages' counters, its readiness,
 * and how it stops. The same shape whether the role's channels are topics (Kafka mode) or
 * in-process (standalone).
 */
export interface RolePart {
  readonly role: RoleName;
  readonly ingest?: IngestStage;
  readonly match?: () => MatchStats;
  readonly generate?: {
    stats(): GenerateStats;
    queueMax: number;
    generatorName: string;
    llm: () => LlmStats | undefined;
  };
  /** Storage this process owns (the writer; the ingest role with CLICKHOUSE_URL, for reads). */
  readonly store?: { store: Store; stats: () => StoreStats };
  /** Curation through the API (the writer: it owns storage and publishes on the templates channel). */
  readonly curation?: CurationService;
  /** Standalone's request threads (the ingest part, INGEST_THREADS above 1). */
  readonly threads?: RunningThreads;
  /** Standalone's write-ahead log (the ingest part). */
  readonly wal?: () => WalStats;
  /** Counters of the role's Kafka consumers, under `kafka.<role>` in /stats. */
  readonly kafka?: () => unknown;
  readonly notReady?: () => string | undefined;
  /**
   * Stops consuming and producing; what was handled is committed or stored. `deadlineMs`
   * (epoch ms, SHUTDOWN_TIMEOUT_SECS from the start of the stop) bounds waiting on what is held.
   */
  stop(deadlineMs: number): Promise<void>;
}

/** The org syslog stores under, when it is on: never refused for the org ceiling. */
export function syslogOrgs(config: Config): string[] {
  return config.syslog.port === 0 ? [] : [config.syslog.org];
}

/** The generate stage's settings, the same in both modes. */
export function generateConfig(config: Config): GenerateConfig {
  return {
    queueMaxLogs: config.generate.queueMaxLogs,
    maxTemplatesPerOrg: config.generate.maxTemplatesPerOrg,
    maxConcurrentBatches: config.llm.maxConcurrentBatches,
    orgIdleUnloadSecs: config.orgs.idleUnloadSecs,
  };
}

/** What the assembly reports of a running generate stage, in either mode. */
export function generateReport(
  config: Config,
  generator: TemplateGenerator,
  generate: GenerateStage,
): NonNullable<RolePart['generate']> {
  return {
    stats: () => generate.stats(),
    queueMax: config.generate.queueMaxLogs,
    generatorName: generator.source,
    llm: () => (generator instanceof LlmGenerator ? generator.stats() : undefined),
  };
}
