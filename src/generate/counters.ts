import { declareCounters, type StatsOf } from '../counters.ts';

/** The generate stage's counters (see src/counters.ts for what each field of a declaration does). */
export const GENERATE_COUNTERS = declareCounters({
  queueDepth: {
    kind: 'gauge',
    help: 'Unmatched logs waiting for a template (waiting for a batch or inside one being generated)',
    stats: 'queues.unmatched',
    metric: 'log_ingest_generate_queue_depth',
  },
  inFlightBatches: {
    kind: 'gauge',
    help: 'Template generation batches running',
    stats: 'queues.generation_batches_in_flight',
    metric: 'log_ingest_generate_batches_in_flight',
  },
  batches: {
    kind: 'counter',
    help: 'Batches handed to the template generator',
    stats: 'generation.batches',
    metric: 'log_ingest_generate_batches_total',
  },
  templatesCreated: {
    kind: 'counter',
    help: 'New templates accepted',
    stats: 'generation.templates_created',
    metric: 'log_ingest_templates_created_total',
  },
  templatesUpdated: {
    kind: 'counter',
    help: 'Templates refined (same id, new text)',
    stats: 'generation.templates_updated',
    metric: 'log_ingest_templates_updated_total',
  },
  proposalsRejected: {
    kind: 'counter',
    help: 'Proposed templates that failed the checks',
    stats: 'generation.templates_rejected',
    metric: 'log_ingest_templates_rejected_total',
  },
  rejectedNoConstantText: {
    kind: 'counter',
    help: 'Proposed templates refused for lack of constant text that pins a line down (checks.ts)',
    stats: 'generation.templates_rejected_no_constant_text',
    metric: 'log_ingest_templates_rejected_no_constant_text_total',
  },
  rejectedTemplateCap: {
    kind: 'counter',
    help: 'Proposed templates refused because their org has TEMPLATES_MAX_PER_ORG templates',
    stats: 'generation.templates_rejected_template_cap',
    metric: 'log_ingest_templates_rejected_template_cap_total',
  },
  templatesMerged: {
    kind: 'counter',
    help: 'Proposed templates merged into a known one that differs only where one has a variable',
    stats: 'generation.templates_merged',
    metric: 'log_ingest_templates_merged_total',
  },
  templatesWidened: {
    kind: 'counter',
    help: 'Templates whose variable shapes were widened to fit lines proposed for them again',
    stats: 'generation.templates_widened',
    metric: 'log_ingest_templates_widened_total',
  },
  broadWidenings: {
    kind: 'counter',
    help: 'Widenings by which one template took over half of a batch of 20 or more unmatched lines (what template poisoning looks like)',
    stats: 'generation.broad_widenings',
    metric: 'log_ingest_templates_broad_widenings_total',
  },
  retries: {
    kind: 'counter',
    help: 'Held logs sent back for another generation attempt',
    stats: 'generation.retries',
    metric: 'log_ingest_generate_retries_total',
  },
  generationErrors: {
    kind: 'counter',
    help: 'Template generation batches that failed',
    stats: 'generation.failures',
    metric: 'log_ingest_generate_failures_total',
  },
  matchedAfterGeneration: {
    kind: 'counter',
    help: 'Held logs a new template matched, stored with it',
    stats: 'logs.matched_after_generation',
  },
  storedWithoutTemplate: {
    kind: 'counter',
    help: 'Logs stored with template id 0: no template came for them (the template cap included)',
    stats: 'logs.stored_without_template',
    metric: 'log_ingest_logs_without_template_total',
  },
  templateCapLines: {
    kind: 'counter',
    help: 'Logs stored without a template because their org has TEMPLATES_MAX_PER_ORG templates',
    stats: 'quotas.template_cap_lines',
    metric: 'log_ingest_logs_over_template_cap_total',
  },
  templateCapByOrg: {
    kind: 'by-org',
    help: 'Logs over the template cap, by org',
    stats: 'template_cap_lines',
  },
  templatesCreatedByOrg: {
    kind: 'by-org',
    help: 'New templates accepted, by org (learned or seeded through curation)',
    stats: 'templates_created',
    metric: 'log_ingest_org_templates_created_total',
  },
});

export type GenerateStats = StatsOf<typeof GENERATE_COUNTERS>;
