import type { FastifySerializerCompiler } from 'fastify';
import { ERRORS } from '../openapi.ts';

/**
 * The OpenAPI schemas of GET /health, /stats and /metrics, apart from status.ts so that what
 * the endpoints report and how it is documented can change independently. A field added to
 * /stats should be documented here too (test/integration/http/openapi.test.ts compares them).
 */

const HEALTH_BODY = {
  type: 'object',
  additionalProperties: true,
  required: ['status', 'templates_loaded', 'clickhouse_connected'],
  properties: {
    status: { type: 'string', enum: ['healthy', 'unhealthy'] },
    templates_loaded: { type: 'integer' },
    clickhouse_connected: {
      type: ['boolean', 'null'],
      description: 'null: this process has no storage of its own (a Kafka role other than the writer)',
    },
    roles: {
      type: 'array',
      items: { type: 'string' },
      description: 'Kafka mode: the roles this process runs',
    },
  },
};

export const HEALTH_SCHEMA = {
  summary: 'Health probe',
  description: 'Needs no API key.',
  tags: ['status'],
  security: [],
  response: {
    200: { ...HEALTH_BODY, description: 'Healthy' },
    503: {
      ...HEALTH_BODY,
      description:
        'Unhealthy: storage unreachable or writes failing, not ready (a matcher still reading the templates topic), or shutting down',
      required: [...HEALTH_BODY.required, 'reason'],
      properties: { ...HEALTH_BODY.properties, reason: { type: 'string' } },
    },
  },
};

const count = { type: 'number' };
const counts = (...names: string[]) => Object.fromEntries(names.map((name) => [name, count]));
/** additionalProperties everywhere: what /stats reports grows, and the documentation follows. */
const group = (description: string, properties: Record<string, unknown>) => ({
  type: 'object',
  additionalProperties: true,
  description,
  properties,
});

export const STATS_SCHEMA = {
  summary: 'Counters of the running service',
  description:
    'Needs the `read` scope with API keys. In Kafka mode, each process reports the stages it runs.',
  tags: ['status'],
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      properties: {
        templates_loaded: count,
        optimal_batch_size: { type: 'integer', description: 'the batch size we advise clients to send' },
        generator: { type: 'string', description: 'the template generator: builtin, openai or ollama' },
        requests: { type: 'number', description: 'ingest requests received' },
        logs: group(
          'logs accepted, matched on arrival, unmatched, refused',
          counts(
            'accepted',
            'matched',
            'unmatched',
            'failed',
            'matched_after_generation',
            'stored_without_template',
          ),
        ),
        rejected_overloaded: { type: 'number', description: 'requests refused with 503 OVERLOADED' },
        buffer: group('the ClickHouse write buffer', counts('rows', 'in_flight_rows', 'max_rows')),
        queues: group(
          'logs waiting for a template',
          counts('unmatched', 'unmatched_max', 'generation_batches_in_flight'),
        ),
        generation: group(
          'template generation',
          counts(
            'batches',
            'templates_created',
            'templates_updated',
            'templates_rejected',
            'templates_merged',
            'retries',
            'failures',
          ),
        ),
        llm: {
          ...group(
            'the LLM provider’s counters; null with the built-in miner',
            counts(
              'calls',
              'retries',
              'failures',
              'fallback_lines',
              'tokens_in',
              'tokens_out',
              'templates_accepted',
              'regrouped_lines',
              'templates_rejected',
              'calls_per_1000_unmatched',
            ),
          ),
          type: ['object', 'null'],
        },
        quotas: group('requests and lines held back by the per-org limits', {
          ...counts('rate_limited_requests', 'rate_limited_logs', 'template_cap_lines', 'llm_budget_lines'),
          by_org: { type: 'object', additionalProperties: true, description: 'the same counts per org' },
        }),
        storage: group('writes to ClickHouse', {
          ...counts('flushes', 'rows_written', 'write_errors'),
          failing: { type: 'boolean' },
          last_error: { type: ['string', 'null'] },
        }),
        roles: {
          type: 'array',
          items: { type: 'string' },
          description: 'Kafka mode: the roles this process runs',
        },
        kafka: {
          type: 'object',
          additionalProperties: true,
          description: 'Kafka mode: consumer counters per role',
        },
      },
    },
    401: ERRORS[401](),
    403: ERRORS[403]('the key lacks the read scope'),
  },
};

/**
 * /stats is serialized as before, with JSON.stringify: its schema is documentation only, so a
 * counter added, renamed or retyped is never dropped or coerced by a schema that lags behind.
 */
export const STATS_SERIALIZER: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

export const METRICS_SCHEMA = {
  summary: 'Prometheus metrics',
  description:
    'Prometheus text format (log_ingest_* series; requests and logs per second are rate() of log_ingest_http_requests_total and log_ingest_logs_accepted_total). Needs no API key.',
  tags: ['status'],
  security: [],
  response: {
    200: {
      description: 'The metrics',
      content: { 'text/plain': { schema: { type: 'string' } } },
    },
  },
};
