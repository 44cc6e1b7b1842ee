import { declareCounters, type StatsOf } from '../../counters.ts';

/**
 * The LLM provider's counters (see src/counters.ts); all grow monotonically from the start of
 * the process. /stats shows `llm: null` with the built-in miner.
 */
export const LLM_COUNTERS = declareCounters({
  calls: {
    kind: 'counter',
    help: 'Requests sent to the LLM provider, retries included',
    stats: 'llm.calls',
    metric: 'log_ingest_llm_calls_total',
  },
  retries: {
    kind: 'counter',
    help: 'LLM requests that were a retry',
    stats: 'llm.retries',
    metric: 'log_ingest_llm_retries_total',
  },
  failures: {
    kind: 'counter',
    help: 'Line groups the LLM gave no answer for after every attempt',
    stats: 'llm.failures',
    metric: 'log_ingest_llm_failures_total',
  },
  fallbackLines: {
    kind: 'counter',
    help: 'Lines handed to the built-in miner after the LLM',
    stats: 'llm.fallback_lines',
    metric: 'log_ingest_llm_fallback_lines_total',
  },
  fallbacks: {
    kind: 'counter',
    help: 'Calls to the built-in miner for such lines (at most one per generate call)',
  },
  groups: { kind: 'counter', help: 'Groups of likely-same-template lines the model was asked about' },
  linesAsked: { kind: 'counter', help: 'Lines in those groups' },
  tokensIn: {
    kind: 'counter',
    help: 'Prompt tokens reported by the LLM provider',
    stats: 'llm.tokens_in',
    metric: 'log_ingest_llm_prompt_tokens_total',
  },
  tokensOut: {
    kind: 'counter',
    help: 'Completion tokens reported by the LLM provider',
    stats: 'llm.tokens_out',
    metric: 'log_ingest_llm_completion_tokens_total',
  },
  proposalsAccepted: {
    kind: 'counter',
    help: 'LLM templates that passed the checks',
    stats: 'llm.templates_accepted',
  },
  regroupedLines: {
    kind: 'counter',
    help: 'Lines an accepted LLM template left uncovered, grouped and asked about again',
    stats: 'llm.regrouped_lines',
    metric: 'log_ingest_llm_regrouped_lines_total',
  },
  proposalsRejected: {
    kind: 'counter',
    help: 'LLM templates that failed the checks (no constant text, or match none of their lines)',
    stats: 'llm.templates_rejected',
    metric: 'log_ingest_llm_templates_rejected_total',
  },
  budgetLines: {
    kind: 'counter',
    help: 'Lines the miner took without an LLM call: their org had used LLM_MAX_CALLS_PER_ORG_PER_MIN',
    stats: 'quotas.llm_budget_lines',
    metric: 'log_ingest_llm_over_budget_lines_total',
  },
  budgetByOrg: { kind: 'by-org', help: 'Lines over the LLM call budget, by org', stats: 'llm_budget_lines' },
});

export type LlmStats = StatsOf<typeof LLM_COUNTERS>;
