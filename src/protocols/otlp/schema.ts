/**
 * POST /v1/logs in the OpenAPI description. The bodies are OTLP's own (documented by the
 * OpenTelemetry specification, not repeated here); what is listed is each status and its
 * google.rpc.Status, whose message starts with our stable code (e.g. `MISSING_ORG: …`).
 */
const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'seconds to wait before retrying' } };

const PROTOBUF_BODY = { schema: { type: 'string', format: 'binary' } };

function status(description: string, headers?: Record<string, unknown>): Record<string, unknown> {
  return {
    description,
    ...(headers === undefined ? {} : { headers }),
    content: {
      'application/json': {
        schema: {
          type: 'object',
          additionalProperties: true,
          required: ['code', 'message'],
          properties: {
            code: { type: 'integer', description: 'google.rpc.Code, e.g. 3 INVALID_ARGUMENT' },
            message: { type: 'string', description: 'our code, a colon, and what went wrong' },
          },
        },
      },
      'application/x-protobuf': PROTOBUF_BODY,
    },
  };
}

export const OTLP_SCHEMA = {
  summary: 'OTLP/HTTP logs (OpenTelemetry)',
  description:
    'An ExportLogsServiceRequest as `application/x-protobuf` or `application/json` (the OTLP JSON mapping), gzip allowed. The org: the `X-Scope-OrgID` header, or the API key when it holds one org. Every answer is in the encoding of the request.',
  tags: ['shippers'],
  headers: {
    type: 'object',
    properties: {
      'x-scope-orgid': {
        type: 'string',
        description: 'the org of every record; optional with a one-org key',
      },
    },
  },
  body: {
    content: {
      'application/json': { schema: { type: 'object', description: 'ExportLogsServiceRequest (OTLP JSON)' } },
      'application/x-protobuf': PROTOBUF_BODY,
    },
  },
  response: {
    200: {
      description:
        'Stored, all or in part: an ExportLogsServiceResponse, empty, or with partialSuccess (rejectedLogRecords, errorMessage naming the first refused records)',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            additionalProperties: true,
            properties: {
              partialSuccess: {
                type: 'object',
                properties: { rejectedLogRecords: { type: 'string' }, errorMessage: { type: 'string' } },
              },
            },
          },
        },
        'application/x-protobuf': PROTOBUF_BODY,
      },
    },
    400: status(
      'MISSING_ORG, INVALID_ORG, MALFORMED_OTLP, INVALID_UTF8, or every record invalid: nothing stored',
    ),
    401: status('UNAUTHORIZED (with API keys): no key, or an unknown one'),
    403: status('FORBIDDEN: the key lacks the write scope or the org of X-Scope-OrgID'),
    413: status(
      'BODY_TOO_LARGE, or TOO_MANY_LOGS: more records than INGEST_MAX_LOGS_PER_REQUEST; nothing stored',
    ),
    415: status('UNSUPPORTED_MEDIA_TYPE: another Content-Type or Content-Encoding'),
    429: status('RATE_LIMITED: the org is over its rate; retry after Retry-After', RETRY_AFTER),
    503: status('OVERLOADED or SHUTTING_DOWN: nothing stored; retry after Retry-After', RETRY_AFTER),
  },
};
