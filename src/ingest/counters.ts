import { declareCounters, type StatsOf } from '../counters.ts';

/** The ingest stage's counters (see src/counters.ts for what each field of a declaration does). */
export const INGEST_COUNTERS = declareCounters({
  requests: { kind: 'counter', help: 'Ingest requests received', stats: 'requests' },
  accepted: {
    kind: 'counter',
    help: 'Logs accepted by ingestion',
    stats: 'logs.accepted',
    metric: 'log_ingest_logs_accepted_total',
  },
  // In /stats as logs.matched, with the match stage's count where there is no ingest (Kafka roles).
  matched: {
    kind: 'counter',
    help: 'Accepted logs that matched a template on arrival',
    metric: 'log_ingest_logs_matched_total',
  },
  failed: {
    kind: 'counter',
    help: 'Submitted logs refused as invalid',
    stats: 'logs.failed',
    metric: 'log_ingest_logs_failed_total',
  },
  rejectedOverloaded: {
    kind: 'counter',
    help: 'Ingest requests refused with 503 (queue or buffer full)',
    stats: 'rejected_overloaded',
    metric: 'log_ingest_requests_rejected_total',
  },
  rateLimitedRequests: {
    kind: 'counter',
    help: 'Ingest requests refused with 429 (an org over INGEST_RATE_LIMIT_LOGS_PER_SEC)',
    stats: 'quotas.rate_limited_requests',
    metric: 'log_ingest_requests_rate_limited_total',
  },
  rateLimitedLogs: {
    kind: 'counter',
    help: 'Valid logs in requests refused with 429',
    stats: 'quotas.rate_limited_logs',
    metric: 'log_ingest_logs_rate_limited_total',
  },
  orgCeilingLogs: {
    kind: 'counter',
    help: 'Logs refused because their org would be one more than ORGS_MAX (TOO_MANY_ORGS)',
    stats: 'quotas.org_ceiling_logs',
    metric: 'log_ingest_logs_over_org_ceiling_total',
  },
  orgsTaken: {
    kind: 'gauge',
    help: 'Orgs counted against ORGS_MAX (known at start, or taken since)',
    stats: 'quotas.orgs',
    metric: 'log_ingest_orgs',
  },
  rateLimitedByOrg: {
    kind: 'by-org',
    help: 'Valid logs refused with 429, by org',
    stats: 'rate_limited_logs',
  },
});

export type IngestStats = StatsOf<typeof INGEST_COUNTERS>;
