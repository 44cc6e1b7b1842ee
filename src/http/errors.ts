import type { FastifyError, FastifyInstance } from 'fastify';
import {
  AppError,
  BadRequestError,
  ForbiddenError,
  OverloadedError,
  PayloadTooLargeError,
  RateLimitedError,
  ShuttingDownError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import type { Logger } from '../logger.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
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

/**
 * Every error leaves as `{statusCode, error, code, message}`; a 400 about logs adds the
 * first problem's `field` and `index` and the full list in `errors`; a 503 carries
 * Retry-After.
 */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err: FastifyError | AppError, _request, reply) => {
    let status: number;
    let code: string;
    const extra: Record<string, unknown> = {};
    if (err instanceof BadRequestError) {
      status = 400;
      code = err.code;
      const first = err.problems[0];
      if (first !== undefined) {
        extra['field'] = first.field;
        extra['index'] = first.index;
      }
      extra['errors'] = err.problems;
    } else if (err instanceof OverloadedError) {
      status = 503;
      code = err.code;
      void reply.header('retry-after', String(err.retryAfterSecs));
    } else if (err instanceof ShuttingDownError) {
      status = 503;
      code = err.code;
      void reply.header('retry-after', '5');
    } else if (err instanceof UnauthorizedError) {
      status = 401;
      code = err.code;
      void reply.header('www-authenticate', err.challenge);
    } else if (err instanceof ForbiddenError) {
      status = 403;
      code = err.code;
      if (err.org !== undefined) extra['org'] = err.org;
      if (err.index !== undefined) extra['index'] = err.index;
    } else if (err instanceof PayloadTooLargeError) {
      status = 413;
      code = err.code;
      extra['limit'] = err.limit;
    } else if (err instanceof RateLimitedError) {
      status = 429;
      code = err.code;
      extra['org'] = err.org;
      extra['limit'] = err.limit;
      void reply.header('retry-after', String(err.retryAfterSecs));
    } else if (err instanceof UnsupportedMediaTypeError) {
      status = 415;
      code = err.code;
    } else if (err instanceof AppError) {
      status = err.retryable ? 503 : 500;
      code = err.code;
    } else {
      const known = FASTIFY_CODES[err.code];
      status = known?.status ?? (typeof err.statusCode === 'number' ? err.statusCode : 500);
      code = known?.code ?? (status >= 500 ? 'INTERNAL_ERROR' : err.code);
    }
    if (status >= 500 && !(err instanceof OverloadedError) && !(err instanceof ShuttingDownError)) {
      logger.error({ err }, 'request failed');
    }
    const message = status === 500 ? 'internal error' : err.message;
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
