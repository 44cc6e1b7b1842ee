/**
 * OTLP/HTTP logs: POST /v1/logs, as the OpenTelemetry Collector's otlphttp exporter and the
 * SDKs' OTLP log exporters send it: `application/x-protobuf` or `application/json`, gzip
 * allowed. Answers as the OTLP specification says: 200 with an ExportLogsServiceResponse,
 * carrying partial_success (rejected_log_records, error_message) when some records were
 * refused; a google.rpc.Status otherwise (400 for a body that does not parse, 429 and 503 with
 * Retry-After); every answer in the encoding of the request.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError } from '../../errors.ts';
import { tooManyLogs } from '../../ingest/body.ts';
import { hasSurrogateEscapes } from '../../ingest/body.ts';
import type { IngestResult } from '../../ingest/stage.ts';
import type { ErrorAnswer } from '../../http/errors.ts';
import { inflateBody } from '../../http/inflate.ts';
import { documentationOnly } from '../../http/openapi.ts';
import { requestOrg } from '../org.ts';
import { MalformedProtobuf, ProtoWriter } from '../protobuf.ts';
import { ingestDecoded, type Protocol } from '../scope.ts';
import { decodeOtlpJson } from './decode-json.ts';
import { decodeOtlpProto, TooManyRecords } from './decode-proto.ts';
import { OTLP_SCHEMA } from './schema.ts';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** The request's encoding, from its Content-Type; undefined for one OTLP does not define. */
function encodingOf(request: FastifyRequest): 'protobuf' | 'json' | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === PROTOBUF || type === 'application/protobuf') return 'protobuf';
  if (type === JSON_TYPE) return 'json';
  return undefined;
}

/** google.rpc.Code for an HTTP status, as gRPC-HTTP mapping pairs them. */
function rpcCode(status: number): number {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, proto: Buffer, json: object) {
  return encodingOf(request) === 'protobuf'
    ? reply.code(status).type(PROTOBUF).send(proto)
    : reply.code(status).type(JSON_TYPE).send(json);
}

/** At most this many refused records are described in error_message. */
const DESCRIBED = 5;

function answerIngested(request: FastifyRequest, reply: FastifyReply, result: IngestResult) {
  if (result.failed === 0) return send(reply, request, 200, Buffer.alloc(0), {});
  const described = (result.errors ?? [])
    .slice(0, DESCRIBED)
    .map((p) => `logRecords[${p.index ?? 0}]${p.field === '' ? '' : `.${p.field}`}: ${p.code}: ${p.message}`);
  const message = `${result.failed} of ${result.failed + result.accepted} log records refused: ${described.join('; ')}`;
  const partial = new ProtoWriter().varintField(1, result.failed).stringField(2, message).finish();
  return send(reply, request, 200, new ProtoWriter().bytesField(1, partial).finish(), {
    partialSuccess: { rejectedLogRecords: String(result.failed), errorMessage: message },
  });
}

export const otlpProtocol: Protocol = {
  name: 'otlp',
  renderError(answer: ErrorAnswer, request, reply) {
    const code = rpcCode(answer.status);
    const message = `${answer.code}: ${answer.message}`;
    return send(
      reply,
      request,
      answer.status,
      new ProtoWriter().varintField(1, code).stringField(2, message).finish(),
      {
        code,
        message,
      },
    );
  },
  routes(scope, context) {
    const { ingest, bodyLimit } = context;
    scope.post(
      '/v1/logs',
      {
        bodyLimit,
        schema: OTLP_SCHEMA,
        // The body schema is documentation: the decoders below read and check the body.
        validatorCompiler: documentationOnly,
      },
      async (request, reply) => {
        const encoding = encodingOf(request);
        if (encoding === undefined) {
          throw new UnsupportedMediaTypeError(`send ${PROTOBUF} or ${JSON_TYPE}`);
        }
        const org = requestOrg(request);
        const raw = await inflateBody(request.headers['content-encoding'], request.body as Buffer, bodyLimit);
        let logs: object[];
        let surrogateEscapes = false;
        try {
          if (encoding === 'protobuf') logs = decodeOtlpProto(raw, org, ingest.maxLogs);
          else {
            if (!isUtf8(raw)) throw new BadRequestError('INVALID_UTF8', 'the body is not valid UTF-8');
            const text = raw.toString('utf8');
            surrogateEscapes = hasSurrogateEscapes(text);
            logs = decodeOtlpJson(parseJson(text), org, ingest.maxLogs);
          }
        } catch (err) {
          if (err instanceof TooManyRecords) throw tooManyLogs(ingest.maxLogs, undefined);
          if (err instanceof MalformedProtobuf) {
            throw new BadRequestError(
              'MALFORMED_OTLP',
              `the body is not an ExportLogsServiceRequest: ${err.message}`,
            );
          }
          throw err;
        }
        // An empty request is a valid export of nothing.
        if (logs.length === 0) return send(reply, request, 200, Buffer.alloc(0), {});
        return answerIngested(request, reply, await ingestDecoded(ingest, logs, surrogateEscapes));
      },
    );
  },
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BadRequestError('MALFORMED_OTLP', `the body is not JSON: ${(err as Error).message}`);
  }
}
