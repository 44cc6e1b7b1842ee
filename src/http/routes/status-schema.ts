import type { FastifySerializerCompiler } from 'fastify';
import { DERIVED, NULL_GROUP_WHEN_ABSENT, STAGE_COUNTERS, STATS_GROUPS } from '../../metrics/catalog.ts';
import { BY_ORG_PATH } from '../../metrics/stats-body.ts';
import { ERRORS } from '../openapi.ts';

/**
 * The OpenAPI schemas of GET /health, /stats and /metrics, apart from status.ts so that what
 * the endpoints report and how it is documented can change independently. A field added to
 * /stats should be documented here too (test/integration/http/openapi.test.ts compares them).
 */

const ROLES = {
  type: 'array',
  items: { type: 'string' },
  description: 'Kafka mode: the roles this process runs',
};

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
    roles: ROLES,
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
        'Unhealthy: storage unreachable or writes failing, not ready (a matcher still reading the templates topic, a writer still saving it), or shutting down',
      required: [...HEALTH_BODY.required, 'reason'],
      properties: { ...HEALTH_BODY.properties, reason: { type: 'string' } },
    },
  },
};

/** Schemas of what /stats reports besides the declared counters. */
const FACTS: Record<string, Record<string, unknown>> = {
  optimal_batch_size: { type: 'integer', description: 'the batch size we advise clients to send' },
  generator: { type: 'string', description: 'the template generator: builtin, openai or ollama' },
  'queues.unmatched_max': { type: 'number', description: 'the ceiling of logs waiting for a template' },
  [BY_ORG_PATH]: { type: 'object', additionalProperties: true, description: 'the same counts per org' },
  roles: ROLES,
  kafka: {
    type: 'object',
    additionalProperties: true,
    description: 'Kafka mode: consumer counters per role',
  },
};

const VALUE_SCHEMA = {
  counter: 'number',
  gauge: 'number',
  flag: 'boolean',
  text: ['string', 'null'],
} as const;

/**
 * The body of /stats as JSON schema, derived from the same declarations the body is built from
 * (metrics/catalog.ts). additionalProperties everywhere: what /stats reports grows, and the
 * documentation follows.
 */
function statsBodySchema(): Record<string, unknown> {
  const root = { type: 'object', additionalProperties: true, properties: {} as Record<string, unknown> };
  for (const [name, description] of Object.entries(STATS_GROUPS)) {
    root.properties[name] = {
      type: Object.values(NULL_GROUP_WHEN_ABSENT).includes(name) ? ['object', 'null'] : 'object',
      additionalProperties: true,
      description,
      properties: {},
    };
  }
  const place = (path: string, schema: Record<string, unknown>) => {
    const keys = path.split('.');
    let node = root as { properties: Record<string, unknown> };
    for (const key of keys.slice(0, -1))
      node = node.properties[key] as { properties: Record<string, unknown> };
    node.properties[keys.at(-1) as string] = schema;
  };
  for (const counters of Object.values(STAGE_COUNTERS)) {
    for (const spec of Object.values(counters)) {
      if (spec.kind !== 'by-org' && spec.stats !== undefined) {
        place(spec.stats, { type: VALUE_SCHEMA[spec.kind], description: spec.help });
      }
    }
  }
  for (const spec of DERIVED)
    if (spec.stats !== undefined) place(spec.stats, { type: 'number', description: spec.help });
  for (const [path, schema] of Object.entries(FACTS)) place(path, schema);
  return root;
}

export const STATS_SCHEMA = {
  summary: 'Counters of the running service',
  description:
    'Needs the `read` scope with API keys. In Kafka mode, each process reports the stages it runs.',
  tags: ['status'],
  response: {
    200: statsBodySchema(),
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
