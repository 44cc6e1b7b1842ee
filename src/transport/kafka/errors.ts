import { AppError } from '../../errors.ts';

/**
 * A Kafka operation failed. `KAFKA_UNAVAILABLE` (retryable): the broker could not be reached or
 * answered with an error that goes away by itself (leader moving, timeout): ingest answers 503,
 * consumers back off. `KAFKA_TOPIC_MISMATCH`: an existing topic is configured differently from
 * what the service needs (e.g. `templates` not compacted), which no retry fixes. `KAFKA_ERROR`:
 * anything else the broker or client refused.
 */
export class KafkaError extends AppError {
  constructor(
    code: 'KAFKA_UNAVAILABLE' | 'KAFKA_TOPIC_MISMATCH' | 'KAFKA_ERROR',
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, {
      retryable: options.retryable ?? code === 'KAFKA_UNAVAILABLE',
      cause: options.cause,
    });
  }
}

interface ClientErrorShape {
  code?: unknown;
  canRetry?: unknown;
  errors?: unknown;
  message?: unknown;
}

// The SDK's own errors carry `code` PLT_KFK_* and `canRetry`; aggregates (retries exhausted,
// one error per partition) carry `errors`. Retryable only if every leaf is, so one permanent
// failure (unknown topic, authorisation) is not retried forever.
function retryable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const e = err as ClientErrorShape;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every((x) => retryable(x, depth + 1));
  if (e.code === 'PLT_KFK_NETWORK' || e.code === 'PLT_KFK_TIMEOUT') return true;
  if (
    typeof e.code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/.test(e.code)
  )
    return true;
  return e.canRetry === true;
}

/** Wraps whatever the client threw; our own typed errors (a handler's) pass through unchanged. */
export function toKafkaError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return retryable(err)
    ? new KafkaError('KAFKA_UNAVAILABLE', `${what}: ${message}`, { cause: err })
    : new KafkaError('KAFKA_ERROR', `${what}: ${message}`, { cause: err });
}
