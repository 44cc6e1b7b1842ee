import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import { logsFromText, utf8Text, type Framing, type SubmittedLogs } from '../../ingest/body.ts';
import type { IngestResult, IngestStage } from '../../ingest/stage.ts';
import type { RequestThreads } from '../../threads/index.ts';
import { ORG_MAX_LENGTH, ORG_PATTERN } from '../../model/org.ts';
import { assertBatchOrgs, assertOrg } from '../auth.ts';
import { inflateBody } from '../inflate.ts';
import { documentationOnly, ERRORS, FIELD_PROBLEM } from '../openapi.ts';

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];
/** The body as text, inflated when it is gzip or deflate (http/inflate.ts). */
async function bodyText(request: FastifyRequest, raw: Buffer, limit: number): Promise<string> {
  assertUtf8Charset(request.headers['content-type']);
  return utf8Text(await inflateBody(request.headers['content-encoding'], raw, limit));
}

/** A declared charset other than UTF-8 (or its subset ASCII) is refused rather than misread. */
function assertUtf8Charset(contentType: string | undefined): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii') return;
  throw new UnsupportedMediaTypeError(`charset ${charset} is not supported; send UTF-8`);
}

const LOG_SCHEMA = {
  type: 'object',
  description:
    'One log. Other fields are ignored. Limits: message at most INGEST_MAX_MESSAGE_BYTES (64 KiB, UTF-8), metadata at most INGEST_MAX_METADATA_KEYS keys (64) and INGEST_MAX_METADATA_BYTES (16 KiB); labels at most 256 characters.',
  required: ['org', 'message'],
  properties: {
    org: {
      type: 'string',
      minLength: 1,
      maxLength: ORG_MAX_LENGTH,
      pattern: ORG_PATTERN,
      description:
        "templates are private to their org; letters, digits and ! - _ . * ' ( ) only (INVALID_ORG otherwise)",
    },
    message: { type: 'string', minLength: 1, description: 'the log line' },
    timestamp: {
      oneOf: [
        { type: 'string', format: 'date-time' },
        { type: 'integer', minimum: 0 },
      ],
      description:
        "ISO 8601 (no offset means UTC) or epoch milliseconds; default: the time in the message's header (LINE_FIELDS), else now",
    },
    dashboard: { type: 'string', maxLength: 256 },
    service: { type: 'string', maxLength: 256 },
    host: { type: 'string', maxLength: 256 },
    level: {
      type: 'string',
      maxLength: 256,
      description:
        "default: the level in the message's header (LINE_FIELDS), else INFO; stored in upper case",
    },
    metadata: {
      type: 'object',
      additionalProperties: true,
      description:
        'stored as a map of strings: numbers and booleans as their text, nested objects and arrays as their JSON text, null values dropped',
    },
  },
  example: { org: 'acme', service: 'api', level: 'ERROR', message: 'Connection timeout after 30s' },
};

const NDJSON_BODY = {
  schema: {
    type: 'string',
    description:
      'One log object (as in application/json) per line; blank lines are skipped; a malformed line fails alone, reported with its 0-based line number as `index`.',
  },
};

const INGEST_SCHEMA = {
  summary: 'Send logs',
  description:
    'One log object, `{"logs": [...]}`, or a JSON array of logs; or NDJSON, one log per line. The body may be compressed (`Content-Encoding: gzip` or `deflate`). A batch is accepted in part: every valid log is stored, every invalid one is counted in `failed` and listed in `errors`; a request in which no log is valid gets 400. With API keys: the `write` scope, and every log\'s org held by the key (a batch with one foreign org is refused whole, 403).',
  tags: ['ingest'],
  body: {
    content: {
      'application/json': {
        schema: {
          oneOf: [
            LOG_SCHEMA,
            {
              type: 'object',
              description: 'A batch',
              required: ['logs'],
              properties: { logs: { type: 'array', items: LOG_SCHEMA } },
            },
            { type: 'array', description: 'A batch, as log shippers send it', items: LOG_SCHEMA },
          ],
        },
      },
      ...Object.fromEntries(NDJSON_TYPES.map((type) => [type, NDJSON_BODY])),
    },
  },
  response: {
    200: {
      description:
        'The valid logs were accepted (matched counts those that matched a known template on arrival; the others are stored once a template is made for them). Do not resend them: resend only the indexes listed in `errors`, fixed.',
      type: 'object',
      additionalProperties: true,
      required: ['accepted', 'matched', 'failed'],
      properties: {
        accepted: { type: 'integer' },
        matched: { type: 'integer' },
        failed: { type: 'integer' },
        errors: {
          type: 'array',
          description: 'present when some logs were refused (at most 100 listed)',
          items: FIELD_PROBLEM,
        },
      },
    },
    400: ERRORS[400](
      'MALFORMED_JSON, NOT_AN_OBJECT, MISSING_BODY, MISSING_FIELD, EMPTY_FIELD, INVALID_TYPE, INVALID_ORG, INVALID_TEXT, INVALID_UTF8, INVALID_TIMESTAMP, TOO_LONG, TOO_MANY_KEYS, TOO_LARGE, TOO_MANY_ORGS, INVALID_COMPRESSED_BODY, INVALID_CONTENT_LENGTH: the body or every log in it is invalid; nothing is stored',
    ),
    401: ERRORS[401](),
    403: ERRORS[403](
      'the key lacks the write scope, or does not hold the org of a log (`org`, `index`): nothing of the batch is stored',
    ),
    413: ERRORS[413](),
    415: ERRORS[415](),
    429: ERRORS[429](),
    503: ERRORS[503](),
  },
};

/** A body left unparsed by the content-type parser: a worker thread parses it (threads/). */
class RawBody {
  readonly bytes: Buffer;
  readonly framing: Framing;
  constructor(bytes: Buffer, framing: Framing) {
    this.bytes = bytes;
    this.framing = framing;
  }
}

export function registerIngestRoutes(
  app: FastifyInstance,
  ingest: IngestStage,
  bodyLimit: number,
  threads?: RequestThreads,
): void {
  // Only our parsers: anything else is 415. Parsing turns the body straight into
  // SubmittedLogs, so the route works on one shape whatever the framing; a body large enough
  // to be worth a worker thread is left as it came (RawBody).
  const parse = async (request: FastifyRequest, body: Buffer, framing: Framing) => {
    const encoding = request.headers['content-encoding'];
    const compressed = encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity';
    if (threads?.takes(body.length, compressed) === true) {
      assertUtf8Charset(request.headers['content-type']);
      return new RawBody(body, framing);
    }
    return logsFromText(await bodyText(request, body, bodyLimit), framing, ingest.maxLogs);
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: Buffer) => parse(request, body, 'json'),
  );
  app.addContentTypeParser(
    NDJSON_TYPES,
    { parseAs: 'buffer', bodyLimit },
    (request: FastifyRequest, body: Buffer) => parse(request, body, 'ndjson'),
  );

  app.post<{ Body: SubmittedLogs | RawBody }>(
    '/logs/ingest',
    {
      bodyLimit,
      schema: INGEST_SCHEMA,
      // The body schema is documentation: the parsers above already made SubmittedLogs of the
      // body and src/ingest validates each log (see documentationOnly).
      validatorCompiler: documentationOnly,
      // Before the body is read: a full service refuses for the price of the headers.
      onRequest: (_request, _reply, done) => done(ingest.refusal()),
    },
    (request, reply) => {
      const body = request.body;
      if (body === undefined || body === null) {
        throw new BadRequestError('MISSING_BODY', 'a JSON or NDJSON body is required');
      }
      if (body instanceof RawBody && threads !== undefined)
        return ingestOnThread(request, body, threads, ingest);
      if (body instanceof RawBody) throw new Error('a body was left unparsed without request threads');
      // A log for an org the key does not hold refuses the whole batch, before any is routed.
      assertBatchOrgs(request, body);
      const result = ingest.ingest(body);
      // Kafka mode answers once the broker has the logs; Fastify sends what the promise resolves to.
      if (result instanceof Promise) return result;
      return reply.send(result);
    },
  );
}

async function ingestOnThread(
  request: FastifyRequest,
  body: RawBody,
  threads: RequestThreads,
  ingest: IngestStage,
): Promise<IngestResult> {
  const prepared = await threads.prepare(body.bytes, body.framing, request.headers['content-encoding']);
  // As assertBatchOrgs: one log of an org the key does not hold refuses the whole batch.
  for (let i = 0; i < prepared.namedOrgs.length; i++) {
    assertOrg(request, prepared.namedOrgs[i]!, prepared.namedOrgIndexes[i] ?? null);
  }
  return ingest.ingestPrepared(prepared);
}
