/**
 * POST /loki/api/v1/push in the OpenAPI description. The bodies are Loki's own (its push API
 * documentation describes them); what is listed is each status. Errors are plain text, as
 * Loki answers them, starting with our stable code (e.g. `MISSING_ORG: …`).
 */
const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'seconds to wait before retrying' } };

function status(description: string, headers?: Record<string, unknown>): Record<string, unknown> {
  return {
    description,
    ...(headers === undefined ? {} : { headers }),
    content: {
      'text/plain': { schema: { type: 'string', description: 'our code, a colon, and what went wrong' } },
    },
  };
}

export const LOKI_SCHEMA = {
  summary: 'Loki push (Promtail, Grafana Alloy, and other Loki clients)',
  description:
    'A Loki PushRequest: `application/x-protobuf` compressed with snappy\'s block format (Loki\'s default, with or without `Content-Encoding: snappy`), or `application/json` (`{"streams":[{"stream":{...},"values":[["<ns>","line"]]}]}`), gzip or deflate allowed. The org: the `X-Scope-OrgID` header, or the API key when it holds one org.',
  tags: ['shippers'],
  headers: {
    type: 'object',
    properties: {
      'x-scope-orgid': { type: 'string', description: 'the org of every entry; optional with a one-org key' },
    },
  },
  body: {
    content: {
      'application/json': { schema: { type: 'object', description: 'PushRequest (Loki JSON)' } },
      'application/x-protobuf': {
        schema: { type: 'string', format: 'binary', description: 'snappy-compressed PushRequest' },
      },
    },
  },
  response: {
    204: { description: 'Every entry stored (or there were none), no body', type: 'null' },
    400: status(
      'MISSING_ORG, INVALID_ORG, INVALID_LABELS, MALFORMED_LOKI, INVALID_COMPRESSED_BODY, INVALID_UTF8; or some entries refused: the others are stored, as Loki does, and the body names the first refused ones',
    ),
    401: status('UNAUTHORIZED (with API keys): no key, or an unknown one'),
    403: status('FORBIDDEN: the key lacks the write scope or the org of X-Scope-OrgID'),
    413: status(
      'BODY_TOO_LARGE (as sent, or as the snappy preamble or gzip declares it once decompressed), or TOO_MANY_LOGS: more entries than INGEST_MAX_LOGS_PER_REQUEST; nothing stored',
    ),
    415: status('UNSUPPORTED_MEDIA_TYPE: another Content-Type or Content-Encoding'),
    422: status('NO_STREAMS: a push of no stream at all (Loki: "at least one valid stream is required")'),
    429: status('RATE_LIMITED: the org is over its rate; retry after Retry-After', RETRY_AFTER),
    503: status('OVERLOADED or SHUTTING_DOWN: nothing stored; retry after Retry-After', RETRY_AFTER),
  },
};
