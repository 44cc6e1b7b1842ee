import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { DOCS_PREFIX } from './paths.ts';

/**
 * The OpenAPI description of the HTTP API, built by @fastify/swagger from the routes' own
 * `schema` objects (so a route and its documentation are one object), served as JSON at
 * GET /docs/json and browsable at GET /docs. Both are public (see OPEN_PREFIXES in auth.ts):
 * the description holds no data.
 */

/** The security scheme every route but /health, /metrics and /docs requires (README "API keys"). */
export const BEARER = 'apiKey';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/**
 * A validator compiler for routes whose schema documents what our own code validates: every
 * part passes as it is. Used where Fastify's ajv validation must not run:
 * - POST /logs/ingest: the content-type parsers already turn the body into SubmittedLogs (not
 *   the JSON shape the schema describes), and src/ingest validates each log with its own
 *   per-log codes and partial acceptance; ajv on a 10,000-log body would also cost the hot path.
 * - GET /logs and /templates: the handlers check the query with their own 400 codes
 *   (MISSING_FIELD, INVALID_TIMESTAMP, INVALID_VALUE, INVALID_RANGE), which clients key on;
 *   ajv would answer FST_ERR_VALIDATION instead and coerce values.
 * Response schemas are not affected: they are compiled by the serializer compiler.
 */
/** One refused log of a batch (FieldProblem in src/errors.ts): in a 400's and a 200's `errors`. */
export const FIELD_PROBLEM = {
  type: 'object',
  additionalProperties: true,
  properties: {
    index: { type: ['integer', 'null'] },
    field: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export const documentationOnly: FastifySchemaCompiler<unknown> = () => () => true;

/** The JSON error object every non-2xx answer carries (src/http/errors.ts). */
function errorObject(description: string): Record<string, unknown> {
  return {
    description,
    type: 'object',
    // Every property is listed for the documentation; additionalProperties keeps the
    // serializer from dropping anything an error adds later.
    additionalProperties: true,
    required: ['statusCode', 'error', 'code', 'message'],
    properties: {
      statusCode: { type: 'integer', description: 'the HTTP status again' },
      error: { type: 'string', description: 'the HTTP status text, e.g. "Bad Request"' },
      code: { type: 'string', description: 'a stable code to key on (see each status)' },
      message: { type: 'string', description: 'what went wrong, for people' },
      field: { type: 'string', description: '400: the field of the first problem' },
      index: {
        type: ['integer', 'null'],
        description:
          '400, 403: the index of the first refused log in the batch (position in `logs`, or 0-based NDJSON line); null for a single log',
      },
      errors: {
        type: 'array',
        description: '400: every problem found (at most 100)',
        items: FIELD_PROBLEM,
      },
      org: { type: 'string', description: '403: the org the key does not hold; 429: the org over its rate' },
      limit: {
        type: 'number',
        description: '413: the limit exceeded; 429: the org’s rate in logs per second',
      },
    },
  };
}

const RETRY_AFTER = {
  'retry-after': { type: 'integer', description: 'seconds to wait before retrying' },
};

/** The error responses a route can give, by status, each documenting its `code`s. */
export const ERRORS = {
  400: (codes: string) => errorObject(`Bad request; \`code\`: ${codes}`),
  401: () => ({
    ...errorObject(
      'No API key, an unknown key or another scheme than Bearer (`code`: UNAUTHORIZED); only when API keys are configured',
    ),
    headers: { 'www-authenticate': { type: 'string', description: 'Bearer realm="log-ingest"' } },
  }),
  403: (what: string) => errorObject(`\`code\`: FORBIDDEN; ${what}`),
  404: (what: string) => errorObject(what),
  409: (what: string) => errorObject(`Conflict; ${what}`),
  413: () =>
    errorObject(
      '`code`: BODY_TOO_LARGE, the body is over INGEST_BODY_LIMIT_BYTES (10 MB) after decompression, or TOO_MANY_LOGS (with `limit`), more logs than INGEST_MAX_LOGS_PER_REQUEST (10,000): nothing is stored',
    ),
  415: () =>
    errorObject(
      '`code`: UNSUPPORTED_MEDIA_TYPE, a Content-Type other than JSON or NDJSON, or a Content-Encoding other than gzip or deflate',
    ),
  429: () => ({
    ...errorObject(
      '`code`: RATE_LIMITED, an org of the batch is over its rate of logs per second (`org`, `limit`); nothing of the request is stored, retry after Retry-After',
    ),
    headers: RETRY_AFTER,
  }),
  storage: () =>
    errorObject('`code`: STORAGE_ERROR, ClickHouse is unreachable or failing (see GET /health); retry later'),
  503: () => ({
    ...errorObject(
      '`code`: OVERLOADED (a write buffer or the queue of logs waiting for a template is full) or SHUTTING_DOWN; nothing of the request is stored, retry after Retry-After',
    ),
    headers: RETRY_AFTER,
  }),
};

/**
 * Registers @fastify/swagger and the UI. Plugins load when the app is readied (listen, inject
 * or ready), so the routes must be declared after this one has loaded for its onRoute hook to
 * see them: buildApp declares them in app.after().
 */
export function registerOpenApi(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: pkg.name,
        version: pkg.version,
        description:
          'Log ingestion with automatic template learning and ClickHouse storage. Send logs to POST /logs/ingest; each line is matched against the templates its org has (new templates are learned from unmatched lines); read them back with GET /logs and GET /templates. Every error is a JSON object with a stable `code`.',
      },
      tags: [
        { name: 'ingest', description: 'Sending logs' },
        { name: 'read', description: 'Reading logs and templates back' },
        { name: 'status', description: 'Health, counters and metrics' },
      ],
      components: {
        securitySchemes: {
          [BEARER]: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (INGEST_API_KEYS, INGEST_API_KEYS_FILE) holding orgs and the scopes `write` (POST /logs/ingest) and `read` (GET /logs, /templates, /stats). Without configured keys the service runs open and needs none.',
          },
        },
      },
      security: [{ [BEARER]: [] }],
    },
  });
  void app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
}
