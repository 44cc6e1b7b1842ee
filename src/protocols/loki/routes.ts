/**
 * Loki push: POST /loki/api/v1/push, as Promtail, Grafana Alloy's loki.write, Vector and
 * Fluent Bit send it: `application/x-protobuf` compressed with snappy (Loki's default; the
 * snappy is there whatever Content-Encoding says, as Loki reads it), or `application/json`;
 * gzip and deflate allowed. Answers as Loki's distributor does (pkg/distributor/http.go):
 * 204 with no body when stored; errors as plain text (Go's http.Error); a push with some
 * invalid entries stores the others and answers 400 naming the refused ones, which clients
 * log and do not retry (so nothing is stored twice).
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, UnsupportedMediaTypeError, type FieldProblem } from '../../errors.ts';
import { hasSurrogateEscapes, tooManyLogs } from '../../ingest/body.ts';
import type { IngestStage } from '../../ingest/stage.ts';
import type { ErrorAnswer } from '../../http/errors.ts';
import { inflateBody } from '../../http/inflate.ts';
import { documentationOnly } from '../../http/openapi.ts';
import { requestOrg } from '../org.ts';
import { MalformedProtobuf } from '../protobuf.ts';
import { ingestDecoded, type Protocol } from '../scope.ts';
import { decodeLokiJson } from './decode-json.ts';
import { decodeLokiProto, TooManyEntries, type DecodedPush } from './decode-proto.ts';
import { MalformedPush } from './fields.ts';
import { LabelSetError } from './label-set.ts';
import { LOKI_SCHEMA } from './schema.ts';
import { unsnappy } from './snappy.ts';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

function encodingOf(request: FastifyRequest): 'protobuf' | 'json' | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === PROTOBUF || type === 'application/protobuf') return 'protobuf';
  if (type === JSON_TYPE) return 'json';
  return undefined;
}

/** As Go's http.Error writes an answer: plain text, one line, no sniffing. */
function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply
    .code(status)
    .header('x-content-type-options', 'nosniff')
    .type('text/plain; charset=utf-8')
    .send(`${text}\n`);
}

/** At most this many refused entries are named in an answer. */
const DESCRIBED = 5;

/** A refused entry named as Loki names them: by its stream's labels (and here, its position). */
function describeProblem(push: DecodedPush, p: FieldProblem): string {
  const index = p.index ?? 0;
  let s = push.streams.length - 1;
  while (s > 0 && push.streams[s]!.first > index) s--;
  const stream = push.streams[s];
  const labels = stream === undefined ? '' : stream.labels.slice(0, 200);
  const entry = stream === undefined ? index : index - stream.first;
  return `entry ${entry} of stream '${labels}': ${p.field === '' ? '' : `${p.field}: `}${p.code}: ${p.message}`;
}

function refusedEntries(push: DecodedPush, problems: FieldProblem[], failed: number): string {
  const described = problems.slice(0, DESCRIBED).map((p) => describeProblem(push, p));
  const more = failed > described.length ? `; and ${failed - described.length} more` : '';
  return `${failed} of ${push.logs.length} entries refused: ${described.join('; ')}${more}`;
}

async function decode(
  request: FastifyRequest,
  ingest: IngestStage,
  bodyLimit: number,
  org: string,
): Promise<{ push: DecodedPush; surrogateEscapes: boolean }> {
  const encoding = encodingOf(request);
  if (encoding === undefined)
    throw new UnsupportedMediaTypeError(`send ${PROTOBUF} (snappy) or ${JSON_TYPE}`);
  const contentEncoding = request.headers['content-encoding'];
  const body = request.body as Buffer;
  try {
    if (encoding === 'protobuf') {
      // Content-Encoding snappy names the snappy that is there anyway; gzip wraps it.
      const inflated = await inflateBody(contentEncoding, body, bodyLimit, { snappy: (raw) => raw });
      return {
        push: decodeLokiProto(unsnappy(inflated, bodyLimit), org, ingest.maxLogs),
        surrogateEscapes: false,
      };
    }
    const raw = await inflateBody(contentEncoding, body, bodyLimit, { snappy: unsnappy });
    if (!isUtf8(raw)) throw new BadRequestError('INVALID_UTF8', 'the body is not valid UTF-8');
    const text = raw.toString('utf8');
    return {
      push: decodeLokiJson(parseJson(text), org, ingest.maxLogs),
      surrogateEscapes: hasSurrogateEscapes(text),
    };
  } catch (err) {
    if (err instanceof TooManyEntries) throw tooManyLogs(ingest.maxLogs, undefined);
    if (err instanceof LabelSetError)
      throw new BadRequestError('INVALID_LABELS', `couldn't parse labels: ${err.message}`);
    if (err instanceof MalformedProtobuf || err instanceof MalformedPush)
      throw new BadRequestError('MALFORMED_LOKI', `the body is not a PushRequest: ${err.message}`);
    throw err;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new MalformedPush(`not JSON: ${(err as Error).message}`);
  }
}

export const lokiProtocol: Protocol = {
  name: 'loki',
  renderError(answer: ErrorAnswer, _request, reply) {
    return sendText(reply, answer.status, `${answer.code}: ${answer.message}`);
  },
  routes(scope, context) {
    const { ingest, bodyLimit } = context;
    scope.post(
      '/loki/api/v1/push',
      {
        bodyLimit,
        schema: LOKI_SCHEMA,
        // The body schema is documentation: the decoders below read and check the body.
        validatorCompiler: documentationOnly,
      },
      async (request, reply) => {
        const org = requestOrg(request);
        const { push, surrogateEscapes } = await decode(request, ingest, bodyLimit, org);
        if (push.streamCount === 0) {
          return sendText(
            reply,
            422,
            'NO_STREAMS: error at least one valid stream is required for ingestion',
          );
        }
        if (push.logs.length === 0) return reply.code(204).send();
        let result;
        try {
          result = await ingestDecoded(ingest, push.logs, surrogateEscapes);
        } catch (err) {
          // Every entry refused: named by stream and entry rather than by position in the batch.
          if (err instanceof BadRequestError && err.problems.length > 0 && err.problems[0]!.index !== null) {
            throw new BadRequestError(
              err.code,
              refusedEntries(push, err.problems, push.logs.length),
              err.problems,
            );
          }
          throw err;
        }
        if (result.failed === 0) return reply.code(204).send();
        // Loki stores the valid entries and answers 400 for the others (distributor.go Push).
        const first = result.errors?.[0]?.code ?? 'INVALID_ENTRY';
        return sendText(reply, 400, `${first}: ${refusedEntries(push, result.errors ?? [], result.failed)}`);
      },
    );
  },
};
