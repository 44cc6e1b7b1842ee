import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import { logsFromJson, logsFromNdjson, parseJsonBody, type IngestStage } from '../../ingest/index.ts';
import type { SubmittedLogs } from '../../ingest/body.ts';
import { assertBatchOrgs } from '../auth.ts';

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];
const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * The body as text, inflated when it is gzip or deflate. Fastify's bodyLimit caps the bytes
 * received; maxOutputLength caps the inflated size at the same limit, so a zip bomb stops
 * there (413). Inflating here rather than in a preParsing hook keeps uncompressed requests
 * free of any per-request stream plumbing.
 */
async function bodyText(request: FastifyRequest, raw: Buffer, limit: number): Promise<string> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return raw.toString('utf8');
  let inflated: Buffer;
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip')
      inflated = await gunzipAsync(raw, { maxOutputLength: limit });
    else if (encoding === 'deflate') inflated = await inflateAsync(raw, { maxOutputLength: limit });
    else
      throw new UnsupportedMediaTypeError(
        `Content-Encoding ${encoding} is not supported; use gzip or deflate`,
      );
  } catch (err) {
    if (err instanceof UnsupportedMediaTypeError) throw err;
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw Object.assign(new Error(`the decompressed body is larger than ${limit} bytes`), {
        code: 'FST_ERR_CTP_BODY_TOO_LARGE',
        statusCode: 413,
      });
    }
    throw new BadRequestError('INVALID_COMPRESSED_BODY', `the ${encoding} body cannot be decompressed`);
  }
  return inflated.toString('utf8');
}

export function registerIngestRoutes(app: FastifyInstance, ingest: IngestStage, bodyLimit: number): void {
  // Only our parsers: anything else is 415. Parsing turns the body straight into
  // SubmittedLogs, so the route works on one shape whatever the framing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    async (request: FastifyRequest, body: Buffer) => {
      return logsFromJson(parseJsonBody(await bodyText(request, body, bodyLimit)));
    },
  );
  app.addContentTypeParser(
    NDJSON_TYPES,
    { parseAs: 'buffer', bodyLimit },
    async (request: FastifyRequest, body: Buffer) => {
      return logsFromNdjson(await bodyText(request, body, bodyLimit));
    },
  );

  app.post<{ Body: SubmittedLogs }>(
    '/logs/ingest',
    {
      bodyLimit,
      // Before the body is read: a full service refuses for the price of the headers.
      onRequest: (_request, _reply, done) => done(ingest.refusal()),
    },
    (request, reply) => {
      if (request.body === undefined || request.body === null) {
        throw new BadRequestError('MISSING_BODY', 'a JSON or NDJSON body is required');
      }
      // A log for an org the key does not hold refuses the whole batch, before any is routed.
      assertBatchOrgs(request, request.body);
      const result = ingest.ingest(request.body);
      // Kafka mode answers once the broker has the logs; Fastify sends what the promise resolves to.
      if (result instanceof Promise) return result;
      return reply.send(result);
    },
  );
}
