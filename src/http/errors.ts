import type { FastifyError, FastifyInstance } from 'fastify';
import {
  AppError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  OverloadedError,
  PayloadTooLargeError,
  RateLimitedError,
  ShuttingDownError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import type { Logger } from '../logger.ts';

export const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify's own error codes that reach clients, renamed to our stable codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_CONTENT_LENGTH' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON' },
};

/** What an error answers, before it is written in a protocol's shape. */
export interface ErrorAnswer {
  status: number;
  /** Our stable code, e.g. TOO_MANY_LOGS. */
  code: string;
  message: string;
  /** Fields our own error body adds (field, index, errors, org, limit). */
  extra: Record<string, unknown>;
  /** Seconds to wait (429, 503), sent as Retry-After. */
  retryAfterSecs?: number;
  /** The WWW-Authenticate challenge of a 401. */
  challenge?: string;
}

/**
 * The status, code and details of any error a route or parser throws: one mapping, written
 * as our JSON error body by the handler below and in their own shapes by the shippers'
 * protocols (src/protocols).
 */
export function describeError(err: FastifyError | AppError): ErrorAnswer {
  const extra: Record<string, unknown> = {};
  const answer = (status: number, code: string, more: Partial<ErrorAnswer> = {}): ErrorAnswer => ({
    status,
    code,
    message: status === 500 ? 'internal error' : err.message,
    extra,
    ...more,
  });
  if (err instanceof BadRequestError) {
    const first = err.problems[0];
    if (first !== undefined) {
      extra['field'] = first.field;
      extra['index'] = first.index;
    }
    extra['errors'] = err.problems;
    return answer(400, err.code);
  }
  if (err instanceof OverloadedError) return answer(503, err.code, { retryAfterSecs: err.retryAfterSecs });
  if (err instanceof ShuttingDownError) return answer(503, err.code, { retryAfterSecs: 5 });
  if (err instanceof UnauthorizedError) return answer(401, err.code, { challenge: err.challenge });
  if (err instanceof ForbiddenError) {
    if (err.org !== undefined) extra['org'] = err.org;
    if (err.index !== undefined) extra['index'] = err.index;
    return answer(403, err.code);
  }
  if (err instanceof PayloadTooLargeError) {
    extra['limit'] = err.limit;
    return answer(413, err.code);
  }
  if (err instanceof RateLimitedError) {
    extra['org'] = err.org;
    extra['limit'] = err.limit;
    return answer(429, err.code, { retryAfterSecs: err.retryAfterSecs });
  }
  if (err instanceof UnsupportedMediaTypeError) return answer(415, err.code);
  if (err instanceof NotFoundError) return answer(404, err.code);
  if (err instanceof ConflictError) return answer(409, err.code, { extra: err.details });
  if (err instanceof AppError) return answer(err.retryable ? 503 : 500, err.code);
  const known = FASTIFY_CODES[err.code];
  const status = known?.status ?? (typeof err.statusCode === 'number' ? err.statusCode : 500);
  return answer(status, known?.code ?? (status >= 500 ? 'INTERNAL_ERROR' : err.code));
}

/** Whether an answer is the service's own failure, worth an error in the log. */
export function isServiceFailure(err: unknown, answer: ErrorAnswer): boolean {
  return answer.status >= 500 && !(err instanceof OverloadedError) && !(err instanceof ShuttingDownError);
}

/**
 * Every error leaves as `{statusCode, error, code, message}`; a 400 about logs adds the
 * first problem's `field` and `index` and the full list in `errors`; a 503 carries
 * Retry-After.
 */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | AppError, _request, reply) => {
    const answer = describeError(err);
    if (isServiceFailure(err, answer)) logger.error({ err }, 'request failed');
    if (answer.retryAfterSecs !== undefined) void reply.header('retry-after', String(answer.retryAfterSecs));
    if (answer.challenge !== undefined) void reply.header('www-authenticate', answer.challenge);
    const { status, code, message, extra } = answer;
    return reply
      .code(status)
      .send({ statusCode: status, error: STATUS_TEXT[status] ?? 'Error', code, message, ...extra });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
    });
  });
}
