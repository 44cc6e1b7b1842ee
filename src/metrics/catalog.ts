/**
 * Every counter the service reports, by stage, and what is computed from them: the one list
 * that /metrics (prometheus.ts), /stats (stats-body.ts) and the /stats schema
 * (http/routes/status-schema.ts) are derived from. A stage's counters are declared in its own
 * counters.ts; adding a stage's set here is the only other step.
 */
import type { CounterSet } from '../counters.ts';
import { GENERATE_COUNTERS, type GenerateStats } from '../generate/counters.ts';
import { LLM_COUNTERS, type LlmStats } from '../generate/llm/counters.ts';
import { INGEST_COUNTERS, type IngestStats } from '../ingest/counters.ts';
import { MATCH_COUNTERS, type MatchStats } from '../match/counters.ts';
import { SYSLOG_COUNTERS, type SyslogStats } from '../protocols/syslog/counters.ts';
import { STORE_COUNTERS, type StoreStats } from '../store/counters.ts';
import { THREAD_COUNTERS, type ThreadStats } from '../threads/counters.ts';
import { WAL_COUNTERS, type WalStats } from '../wal/counters.ts';

/** The stages' counters at one moment. */
export interface StatsSnapshot {
  /** Undefined: this process takes no logs over HTTP (a Kafka role other than ingest). */
  ingest: IngestStats | undefined;
  match: MatchStats;
  generate: GenerateStats;
  store: StoreStats;
  /** Undefined with the built-in miner. */
  llm: LlmStats | undefined;
  /** Undefined without a write-ahead log (Kafka mode, INGEST_WAL_SYNC=off). */
  wal: WalStats | undefined;
  /** Undefined while the syslog input is off (SYSLOG_PORT unset) or not in this process. */
  syslog: SyslogStats | undefined;
  /** Undefined without request threads (INGEST_THREADS=1, Kafka mode). */
  threads: ThreadStats | undefined;
}

/** How the metrics read the stages: each when scraped, one function per stage. */
export type StatsSources = { readonly [S in keyof StatsSnapshot]: () => StatsSnapshot[S] };

export const STAGE_COUNTERS: { readonly [S in keyof StatsSnapshot]: CounterSet } = {
  ingest: INGEST_COUNTERS,
  match: MATCH_COUNTERS,
  generate: GENERATE_COUNTERS,
  store: STORE_COUNTERS,
  llm: LLM_COUNTERS,
  wal: WAL_COUNTERS,
  syslog: SYSLOG_COUNTERS,
  threads: THREAD_COUNTERS,
};

/** A stage that may be absent reports zeros, except in its own /stats group, which is null. */
export const NULL_GROUP_WHEN_ABSENT: Partial<Record<keyof StatsSnapshot, string>> = {
  llm: 'llm',
  wal: 'wal',
  syslog: 'syslog',
  threads: 'threads',
};

/** A figure computed from counters, possibly of several stages. */
export interface DerivedSpec {
  readonly kind: 'counter' | 'gauge';
  readonly help: string;
  readonly stats?: string;
  readonly metric?: string;
  /** Undefined leaves it out of /stats (its group is absent). */
  read(sources: StatsSources): number | undefined;
}

const bufferRows = (s: StoreStats) => s.bufferedRows + s.inFlightRows;

export const DERIVED: readonly DerivedSpec[] = [
  {
    kind: 'counter',
    help: 'Accepted logs that matched a template on arrival (a Kafka matcher: the logs it matched)',
    stats: 'logs.matched',
    // Kafka mode matches after the answer: a process without ingest reports its matcher's count.
    read: (s) => s.ingest()?.matched ?? s.match().matched,
  },
  {
    kind: 'gauge',
    help: 'Matched / accepted since start (0..1)',
    metric: 'log_ingest_match_rate',
    read: (s) => {
      const ingest = s.ingest();
      return ingest === undefined || ingest.accepted === 0 ? 0 : ingest.matched / ingest.accepted;
    },
  },
  {
    kind: 'gauge',
    help: 'Rows buffered or being inserted',
    metric: 'log_ingest_clickhouse_buffer_rows',
    read: (s) => bufferRows(s.store()),
  },
  {
    kind: 'gauge',
    help: 'Buffered rows / ceiling (0..1)',
    metric: 'log_ingest_clickhouse_buffer_utilization',
    read: (s) => {
      const store = s.store();
      // A Kafka role without storage has no ceiling: 0, not NaN.
      return store.bufferMaxRows === 0 ? 0 : bufferRows(store) / store.bufferMaxRows;
    },
  },
  {
    kind: 'gauge',
    help: 'LLM calls per 1,000 lines that matched no template on arrival',
    stats: 'llm.calls_per_1000_unmatched',
    read: (s) => {
      const llm = s.llm();
      if (llm === undefined) return undefined;
      const unmatched = s.match().unmatched;
      return unmatched === 0 ? 0 : Math.round((llm.calls / unmatched) * 1000 * 10) / 10;
    },
  },
];

/** The groups of /stats, in the order the body lists them, with what each holds. */
export const STATS_GROUPS: Readonly<Record<string, string>> = {
  logs: 'logs accepted, matched on arrival, unmatched, refused',
  buffer: 'the ClickHouse write buffer',
  queues: 'logs waiting for a template',
  generation: 'template generation',
  llm: 'the LLM provider’s counters; null with the built-in miner',
  quotas: 'requests and lines held back by the per-org limits',
  orgs: 'orgs with templates in the matcher, and those whose matching index is in memory (ORG_IDLE_UNLOAD_SECS)',
  storage: 'writes to ClickHouse',
  wal: 'the write-ahead log (standalone): what a 200 has been written to; null without one',
  syslog: 'the syslog input (SYSLOG_PORT); null while it is off',
  threads:
    'the request threads (INGEST_THREADS, standalone): bodies prepared off the main thread; null without them',
};
