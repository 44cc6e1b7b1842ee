import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyRequest, RequestPayload } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import { logsFromJson, logsFromNdjson, parseJsonBody, type IngestStage } from '../../ingest/index.ts';
import type { SubmittedLogs } from '../../ingest/body.ts';

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];

/** Counts the compressed bytes that pass, for Fastify's zip-bomb check (`receivedEncodedLength`). */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/**
 * Inflates gzip/deflate bodies. Fastify counts the inflated bytes against bodyLimit, so
 * the 10 MB limit holds after decompression and a zip bomb stops at the limit.
 */
function decompress(request: FastifyRequest, payload: RequestPayload): RequestPayload {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return payload;
  let inflater: Transform;
  if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else {
    throw new UnsupportedMediaTypeError(`Content-Encoding ${encoding} is not supported; use gzip or deflate`);
  }
  const counter = new ByteCounter();
  inflater.on('error', (err: Error & { statusCode?: number; code?: string }) => {
    err.statusCode = 400;
    err.code = 'INVALID_COMPRESSED_BODY';
  });
  const out = payload.pipe(counter).pipe(inflater);
  Object.defineProperty(out, 'receivedEncodedLength', { get: () => counter.bytes });
  return out;
}

export function registerIngestRoutes(app: FastifyInstance, ingest: IngestStage, bodyLimit: number): void {
  // Only our parsers: anything else is 415. Parsing turns the body straight into
  // SubmittedLogs, so the route works on one shape whatever the framing.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    try {
      done(null, logsFromJson(parseJsonBody(body as string)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    done(null, logsFromNdjson(body as string));
  });

  app.post<{ Body: SubmittedLogs }>(
    '/logs/ingest',
    {
      bodyLimit,
      preParsing: (request, _reply, payload, done) => {
        try {
          done(null, decompress(request, payload));
        } catch (err) {
          done(err as Error, undefined);
        }
      },
    },
    async (request, reply) => {
      if (request.body === undefined || request.body === null) {
        throw new BadRequestError('MISSING_BODY', 'a JSON or NDJSON body is required');
      }
      return reply.send(ingest.ingest(request.body));
    },
  );
}
