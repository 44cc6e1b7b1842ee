import { declareCounters, type StatsOf } from '../counters.ts';

/** The match stage's counters (see src/counters.ts for what each field of a declaration does). */
export const MATCH_COUNTERS = declareCounters({
  templatesLoaded: {
    kind: 'gauge',
    help: 'Templates in the matcher, all orgs',
    stats: 'templates_loaded',
    metric: 'log_ingest_templates_loaded',
  },
  orgsWithTemplates: {
    kind: 'gauge',
    help: 'Orgs with templates in the matcher',
    stats: 'orgs.with_templates',
    metric: 'log_ingest_orgs_with_templates',
  },
  orgsIndexed: {
    kind: 'gauge',
    help: 'Orgs whose matching index is in memory (the others idle: rebuilt at their next log)',
    stats: 'orgs.indexed',
    metric: 'log_ingest_orgs_indexed',
  },
  // Reported as logs.matched by a process without ingest (a Kafka matcher matches after the answer).
  matched: { kind: 'counter', help: 'Logs the matcher matched to a template' },
  unmatched: {
    kind: 'counter',
    help: 'Accepted logs that matched no template on arrival',
    stats: 'logs.unmatched',
    metric: 'log_ingest_logs_unmatched_total',
  },
  overTokenLimit: {
    kind: 'counter',
    help: 'Logs stored without a template at once: more tokens than a template may have (MAX_TEMPLATE_TOKENS), never sent to a generator',
    stats: 'logs.over_token_limit',
    metric: 'log_ingest_logs_over_token_limit_total',
  },
  droppedByRule: {
    kind: 'counter',
    help: "Matched logs stored as a count-only stub by their template's drop or sample rule (curation)",
    stats: 'logs.dropped_by_rule',
    metric: 'log_ingest_logs_dropped_by_rule_total',
  },
  templatesWithRules: {
    kind: 'gauge',
    help: 'Templates with an ingest rule other than keep (drop, or sample below 100%)',
    stats: 'templates_with_rules',
    metric: 'log_ingest_templates_with_rules',
  },
});

export type MatchStats = StatsOf<typeof MATCH_COUNTERS>;
