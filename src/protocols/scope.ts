/**
 * The room the shippers' protocols live in: each is a Fastify plugin of its own, so that it
 * reads its bodies as raw bytes (the JSON and NDJSON parsers of POST /logs/ingest are not
 * theirs) and answers errors in its protocol's shape, from the one mapping of errors to
 * statuses (http/errors.ts describeError). What a protocol decodes goes to the same ingest
 * stage as POST /logs/ingest: validation, limits, quotas, the org ceiling, matching, storage.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyError } from 'fastify';
import type { AppError } from '../errors.ts';
import { describeError, isServiceFailure, type ErrorAnswer } from '../http/errors.ts';
import type { IngestResult, IngestStage } from '../ingest/stage.ts';
import type { Logger } from '../logger.ts';

export interface ProtocolContext {
  ingest: IngestStage;
  /** Most bytes of a body, as received and once inflated (INGEST_MAX_BODY_BYTES). */
  bodyLimit: number;
  logger: Logger;
}

export interface Protocol {
  readonly name: string;
  /** Writes an error in the protocol's own shape (status, headers and body). */
  renderError(answer: ErrorAnswer, request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /** Declares its routes on `scope`, whose bodies arrive as Buffers. */
  routes(scope: FastifyInstance, context: ProtocolContext): void;
}

/** Registers each protocol in its own encapsulated scope. */
export function registerProtocols(
  app: FastifyInstance,
  context: ProtocolContext,
  protocols: readonly Protocol[],
): void {
  for (const protocol of protocols) {
    void app.register((scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: context.bodyLimit },
        (_request: FastifyRequest, body: Buffer, parsed: (err: null, body: Buffer) => void) =>
          parsed(null, body),
      );
      scope.setErrorHandler((err: FastifyError | AppError, request, reply) => {
        const answer = describeError(err);
        if (isServiceFailure(err, answer))
          context.logger.error({ err, protocol: protocol.name }, 'request failed');
        if (answer.retryAfterSecs !== undefined)
          void reply.header('retry-after', String(answer.retryAfterSecs));
        if (answer.challenge !== undefined) void reply.header('www-authenticate', answer.challenge);
        return protocol.renderError(answer, request, reply);
      });
      // Before the body is read: a full service refuses for the price of the headers.
      scope.addHook('onRequest', (_request, _reply, next) => next(context.ingest.refusal()));
      protocol.routes(scope, context);
      done();
    });
  }
}

/**
 * Hands a protocol's decoded logs (objects in the shape of POST /logs/ingest's) to the ingest
 * stage. `surrogateEscapes`: whether a string may hold a lone surrogate (JSON text with a
 * \uD8xx escape); decoded UTF-8 cannot. `perItem`, for a protocol that answers each item:
 * the item number of each log (what its problems are reported under), and every problem listed.
 */
export function ingestDecoded(
  ingest: IngestStage,
  logs: unknown[],
  surrogateEscapes: boolean,
  perItem?: { indexes: number[] },
): IngestResult | Promise<IngestResult> {
  return ingest.ingest({
    single: false,
    items: logs,
    indexes: perItem?.indexes ?? null,
    surrogateEscapes,
    everyProblem: perItem !== undefined,
  });
}
