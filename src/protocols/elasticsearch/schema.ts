/**
 * The Elasticsearch protocol's routes in the OpenAPI description. The bodies are
 * Elasticsearch's own (its Bulk API reference documents them); what is listed is each status
 * and the error object, whose reason starts with our stable code (e.g. `MISSING_ORG: …`).
 */
const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'seconds to wait before retrying' } };

const PRODUCT = {
  'x-elastic-product': {
    type: 'string',
    description: '`Elasticsearch`, on every answer (the clients check it)',
  },
};

// Every property is listed for the documentation; additionalProperties keeps the serializer
// from dropping anything an answer adds later.
const ERROR_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  required: ['error', 'status'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: true,
      required: ['type', 'reason'],
      properties: {
        root_cause: {
          type: 'array',
          items: { type: 'object', properties: { type: { type: 'string' }, reason: { type: 'string' } } },
        },
        type: {
          type: 'string',
          description: "Elasticsearch's exception type, e.g. illegal_argument_exception",
        },
        reason: { type: 'string', description: 'our code, a colon, and what went wrong' },
      },
    },
    status: { type: 'integer' },
  },
};

function failure(description: string, headers?: Record<string, unknown>): Record<string, unknown> {
  return {
    description,
    headers: { ...PRODUCT, ...headers },
    content: { 'application/json': { schema: ERROR_SCHEMA } },
  };
}

function ok(description: string, schema: Record<string, unknown>): Record<string, unknown> {
  return { description, headers: PRODUCT, content: { 'application/json': { schema } } };
}

const ORG_HEADER = {
  type: 'object',
  properties: {
    'x-scope-orgid': {
      type: 'string',
      description: 'the org of every document; optional with a one-org key',
    },
  },
};

const ANY_OBJECT = { type: 'object', additionalProperties: true };

const KEYED = {
  401: failure('security_exception UNAUTHORIZED (with API keys): no key, or an unknown one'),
  503: failure('OVERLOADED or SHUTTING_DOWN: retry after Retry-After', RETRY_AFTER),
};

const WITH_BODY = {
  400: failure('INVALID_CONTENT_LENGTH, or a body that cannot be read'),
  413: failure('BODY_TOO_LARGE: over INGEST_BODY_LIMIT_BYTES'),
  415: failure('UNSUPPORTED_MEDIA_TYPE: a Content-Encoding other than gzip or deflate'),
};

const ITEM = {
  type: 'object',
  description: 'one result per operation, under its action name (create, index, delete, update)',
  additionalProperties: {
    type: 'object',
    additionalProperties: true,
    required: ['_index', '_id', 'status'],
    properties: {
      _index: { type: 'string' },
      _id: {
        type: 'string',
        description: 'as sent, else made here; not a key: a repeated id is stored again',
      },
      _version: { type: 'integer' },
      result: { type: 'string', description: '`created`' },
      _shards: { type: 'object', additionalProperties: true },
      _seq_no: { type: 'integer' },
      _primary_term: { type: 'integer' },
      status: { type: 'integer', description: '201 stored, 400 refused' },
      error: {
        type: 'object',
        additionalProperties: true,
        properties: {
          type: { type: 'string', description: 'document_parsing_exception, illegal_argument_exception' },
          reason: { type: 'string', description: 'our code, a colon, and what went wrong' },
        },
      },
    },
  },
};

export const BULK_SCHEMA = {
  summary: 'Elasticsearch Bulk API (Filebeat, Vector, Fluent Bit, Elastic clients)',
  description:
    'NDJSON: an action line (`create` or `index`; `delete` and `update` are refused per item) and a document line, gzip allowed. The org: the `X-Scope-OrgID` header, or the API key when it holds one org; the index name is echoed, never read as an org. Answers 200 with a result per item (`errors` true when some were refused).',
  tags: ['shippers'],
  headers: ORG_HEADER,
  params: { type: 'object', properties: { index: { type: 'string', description: 'the default _index' } } },
  body: {
    content: {
      'application/x-ndjson': { schema: { type: 'string' } },
      'application/json': { schema: { type: 'string' } },
    },
  },
  response: {
    200: ok('Each item stored (201) or refused (400 with its error); nothing refused when errors is false', {
      type: 'object',
      additionalProperties: true,
      required: ['took', 'errors', 'items'],
      properties: {
        took: { type: 'integer' },
        errors: { type: 'boolean' },
        items: { type: 'array', items: ITEM },
      },
    }),
    400: failure(
      'MISSING_ORG, INVALID_ORG, MALFORMED_BULK (an action line that is not create, index, delete or update), EMPTY_BULK, INVALID_UTF8, INVALID_CONTENT_LENGTH: nothing stored',
    ),
    401: KEYED[401],
    403: failure('security_exception FORBIDDEN: the key lacks the write scope or the org of X-Scope-OrgID'),
    413: failure(
      'BODY_TOO_LARGE, or TOO_MANY_LOGS: more operations than INGEST_MAX_LOGS_PER_REQUEST; nothing stored',
    ),
    415: failure(
      'UNSUPPORTED_MEDIA_TYPE: a Content-Type other than NDJSON or JSON, or another Content-Encoding',
    ),
    429: failure('es_rejected_execution_exception RATE_LIMITED: retry after Retry-After', RETRY_AFTER),
    503: KEYED[503],
  },
};

/** The handshake's GETs: any valid key passes them (either scope), and they answer the same to all. */
function handshake(summary: string, description: string, schema: Record<string, unknown>) {
  return {
    summary,
    description: `${description} The same answer for every key and org: a key of either scope may ask.`,
    tags: ['shippers'],
    response: { 200: ok(summary, schema), ...KEYED },
  };
}

export const INFO_SCHEMA = handshake(
  'Elasticsearch cluster info (the shippers’ handshake)',
  'What Filebeat, Vector and the Elastic clients ask first: a name, a version (9.99.0) and the tagline.',
  {
    type: 'object',
    additionalProperties: true,
    required: ['name', 'cluster_name', 'version', 'tagline'],
    properties: {
      name: { type: 'string' },
      cluster_name: { type: 'string' },
      cluster_uuid: { type: 'string' },
      version: {
        type: 'object',
        additionalProperties: true,
        required: ['number'],
        properties: {
          number: { type: 'string' },
          build_flavor: { type: 'string' },
          build_type: { type: 'string' },
          build_hash: { type: 'string' },
          build_date: { type: 'string' },
          build_snapshot: { type: 'boolean' },
          lucene_version: { type: 'string' },
          minimum_wire_compatibility_version: { type: 'string' },
          minimum_index_compatibility_version: { type: 'string' },
        },
      },
      tagline: { type: 'string' },
    },
  },
);

export const HEALTH_SCHEMA = handshake(
  'Elasticsearch cluster health (Vector’s health check)',
  'Always green: the service’s own health is GET /health.',
  ANY_OBJECT,
);

export const LICENSE_SCHEMA = handshake(
  'Elasticsearch license (a basic one)',
  'Asked before set-up steps.',
  ANY_OBJECT,
);

export function setupGetSchema(what: string) {
  return {
    ...handshake(
      `Whether ${what} exists: it always does`,
      `Filebeat checks for its ${what} at start and creates it when missing; every name exists here, so nothing is sent.`,
      ANY_OBJECT,
    ),
    params: { type: 'object', properties: { name: { type: 'string' } } },
  };
}

export function setupPutSchema(what: string) {
  return {
    summary: `Create ${what}: acknowledged, and nothing kept`,
    description: `A shipper that creates its ${what} at start is told it was done; logs are stored by log-ingest's own schema, whatever the ${what} says.`,
    tags: ['shippers'],
    params: { type: 'object', properties: { name: { type: 'string' } } },
    body: { content: { 'application/json': { schema: ANY_OBJECT } } },
    response: {
      200: ok('acknowledged', {
        type: 'object',
        required: ['acknowledged'],
        properties: { acknowledged: { type: 'boolean' } },
      }),
      ...WITH_BODY,
      ...KEYED,
      403: failure('security_exception FORBIDDEN: the key lacks the write scope'),
    },
  };
}
