import { AppError } from '../../errors.ts';

/**
 * Why a provider call failed, as the retry schedule needs it: `retryable` decides whether
 * another attempt is made, `retryAfterMs` (from a 429's Retry-After) how long to wait at least.
 */
export type LlmErrorCode =
  | 'LLM_RATE_LIMITED'
  | 'LLM_SERVER_ERROR'
  | 'LLM_TIMEOUT'
  | 'LLM_CONNECTION'
  | 'LLM_REQUEST_REJECTED'
  | 'LLM_MALFORMED_OUTPUT'
  | 'LLM_ABORTED'
  /** The org's calls per minute (LLM_MAX_CALLS_PER_ORG_PER_MIN) are used up: no call was made. */
  | 'LLM_BUDGET_EXHAUSTED';

export class LlmError extends AppError {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    code: LlmErrorCode,
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(code, message, { retryable: options.retryable, cause: options.cause });
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The error for an HTTP status: 408, 429 and 5xx are worth another attempt, other 4xx
 * (bad request, auth, unknown model) will fail the same way again.
 */
export function httpError(status: number, message: string, retryAfterMs?: number, cause?: unknown): LlmError {
  if (status === 429) {
    return new LlmError('LLM_RATE_LIMITED', message, { retryable: true, status, retryAfterMs, cause });
  }
  if (status === 408) return new LlmError('LLM_TIMEOUT', message, { retryable: true, status, cause });
  if (status >= 500) return new LlmError('LLM_SERVER_ERROR', message, { retryable: true, status, cause });
  return new LlmError('LLM_REQUEST_REJECTED', message, { retryable: false, status, cause });
}

/**
 * Retry-After in milliseconds: delta-seconds or an HTTP-date (RFC 9110 10.2.3); `retry-after-ms`
 * (sent by OpenAI) wins when present. Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now: number,
): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
