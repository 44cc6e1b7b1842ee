import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LlmStats } from './generate/llm/index.ts';
import type { GenerateStats } from './generate/stage.ts';
import type { IngestStats } from './ingest/stage.ts';
import type { MatchStats } from './match/stage.ts';
import type { StoreStats } from './store/stage.ts';

/** The stages' counters; the metrics read them when scraped. */
export interface StatsSources {
  ingest: () => IngestStats;
  match: () => MatchStats;
  generate: () => GenerateStats;
  store: () => StoreStats;
  /** Undefined with the built-in miner. */
  llm: () => LlmStats | undefined;
}

export interface Metrics {
  readonly registry: Registry;
  /** Observed per request by the HTTP layer. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly ingestBatchSize: Histogram;
  /** Observed per ClickHouse insert by the writer's onFlush callback. */
  readonly flushDuration: Histogram<'result'>;
}

/**
 * Prometheus metrics for what the original documentation lists under Monitoring.
 * Rates (requests/s, logs/s, flushes/s) are `rate()` over the counters.
 */
export function createMetrics(sources: StatsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'log_ingest_' });
  const registers = [registry];

  const mirror = (name: string, help: string, read: () => number): void => {
    let last = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const value = read();
        if (value > last) this.inc(value - last);
        last = value;
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };

  mirror('log_ingest_logs_accepted_total', 'Logs accepted by ingestion', () => sources.ingest().accepted);
  mirror(
    'log_ingest_logs_matched_total',
    'Accepted logs that matched a template on arrival',
    () => sources.ingest().matched,
  );
  mirror(
    'log_ingest_logs_unmatched_total',
    'Accepted logs that matched no template on arrival',
    () => sources.match().unmatched,
  );
  mirror('log_ingest_logs_failed_total', 'Submitted logs refused as invalid', () => sources.ingest().failed);
  mirror(
    'log_ingest_requests_rejected_total',
    'Ingest requests refused with 503 (queue or buffer full)',
    () => sources.ingest().rejectedOverloaded,
  );
  mirror(
    'log_ingest_requests_rate_limited_total',
    'Ingest requests refused with 429 (an org over INGEST_RATE_LIMIT_LOGS_PER_SEC)',
    () => sources.ingest().rateLimitedRequests,
  );
  mirror(
    'log_ingest_logs_rate_limited_total',
    'Valid logs in requests refused with 429',
    () => sources.ingest().rateLimitedLogs,
  );
  mirror(
    'log_ingest_logs_over_template_cap_total',
    'Logs stored without a template because their org has TEMPLATES_MAX_PER_ORG templates',
    () => sources.generate().templateCapLines,
  );
  gauge('log_ingest_match_rate', 'Matched / accepted since start (0..1)', () => {
    const s = sources.ingest();
    return s.accepted === 0 ? 0 : s.matched / s.accepted;
  });
  gauge(
    'log_ingest_templates_loaded',
    'Templates in the matcher, all orgs',
    () => sources.match().templatesLoaded,
  );

  gauge(
    'log_ingest_generate_queue_depth',
    'Unmatched logs waiting for a template',
    () => sources.generate().queueDepth,
  );
  gauge(
    'log_ingest_generate_batches_in_flight',
    'Template generation batches running',
    () => sources.generate().inFlightBatches,
  );
  mirror(
    'log_ingest_generate_batches_total',
    'Batches handed to the template generator',
    () => sources.generate().batches,
  );
  mirror(
    'log_ingest_templates_created_total',
    'New templates accepted',
    () => sources.generate().templatesCreated,
  );
  mirror(
    'log_ingest_templates_updated_total',
    'Templates refined (same id, new text)',
    () => sources.generate().templatesUpdated,
  );
  mirror(
    'log_ingest_templates_merged_total',
    'Proposed templates merged into a known one that differs only where one has a variable',
    () => sources.generate().templatesMerged,
  );
  mirror(
    'log_ingest_templates_rejected_total',
    'Proposed templates that failed the checks',
    () => sources.generate().proposalsRejected,
  );
  mirror(
    'log_ingest_generate_retries_total',
    'Template generation calls retried',
    () => sources.generate().retries,
  );
  mirror(
    'log_ingest_generate_failures_total',
    'Template generation batches that failed',
    () => sources.generate().generationErrors,
  );
  mirror(
    'log_ingest_logs_without_template_total',
    'Logs stored with template id 0',
    () => sources.generate().storedWithoutTemplate,
  );

  const llm = (read: (stats: LlmStats) => number) => () => {
    const stats = sources.llm();
    return stats === undefined ? 0 : read(stats);
  };
  mirror(
    'log_ingest_llm_calls_total',
    'Requests sent to the LLM provider, retries included',
    llm((s) => s.calls),
  );
  mirror(
    'log_ingest_llm_retries_total',
    'LLM requests that were a retry',
    llm((s) => s.retries),
  );
  mirror(
    'log_ingest_llm_failures_total',
    'Line groups the LLM gave no answer for after every attempt',
    llm((s) => s.failures),
  );
  mirror(
    'log_ingest_llm_fallback_lines_total',
    'Lines handed to the built-in miner after the LLM',
    llm((s) => s.fallbackLines),
  );
  mirror(
    'log_ingest_llm_prompt_tokens_total',
    'Prompt tokens reported by the LLM provider',
    llm((s) => s.tokensIn),
  );
  mirror(
    'log_ingest_llm_completion_tokens_total',
    'Completion tokens reported by the LLM provider',
    llm((s) => s.tokensOut),
  );
  mirror(
    'log_ingest_llm_templates_rejected_total',
    'LLM templates that failed the checks',
    llm((s) => s.proposalsRejected),
  );
  mirror(
    'log_ingest_llm_regrouped_lines_total',
    'Lines an accepted LLM template left uncovered, grouped and asked about again',
    llm((s) => s.regroupedLines),
  );
  mirror(
    'log_ingest_llm_over_budget_lines_total',
    'Lines the miner took without an LLM call: their org had used LLM_MAX_CALLS_PER_ORG_PER_MIN',
    llm((s) => s.budgetLines),
  );

  gauge('log_ingest_clickhouse_buffer_rows', 'Rows buffered or being inserted', () => {
    const s = sources.store();
    return s.bufferedRows + s.inFlightRows;
  });
  gauge('log_ingest_clickhouse_buffer_utilization', 'Buffered rows / ceiling (0..1)', () => {
    const s = sources.store();
    return (s.bufferedRows + s.inFlightRows) / s.bufferMaxRows;
  });
  mirror(
    'log_ingest_clickhouse_flushes_total',
    'Successful ClickHouse inserts',
    () => sources.store().flushes,
  );
  mirror(
    'log_ingest_clickhouse_rows_written_total',
    'Rows written to ClickHouse',
    () => sources.store().flushedRows,
  );
  mirror(
    'log_ingest_clickhouse_write_errors_total',
    'Failed ClickHouse insert attempts',
    () => sources.store().writeErrors,
  );

  return {
    registry,
    httpRequests: new Counter({
      name: 'log_ingest_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    ingestBatchSize: new Histogram({
      name: 'log_ingest_batch_size',
      help: 'Valid logs per ingest request',
      buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000],
      registers,
    }),
    flushDuration: new Histogram({
      name: 'log_ingest_clickhouse_flush_duration_seconds',
      help: 'ClickHouse insert latency',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
