/** The batching contract's retry schedule, with its clock and randomness injectable for tests. */
export interface RetryPolicy {
  /** Attempts in all (LLM_MAX_RETRIES), at least 1. */
  maxAttempts: number;
  /** Wait after the first failure (LLM_INITIAL_BACKOFF_MS); doubles after each further one. */
  initialBackoffMs: number;
  /** Each wait is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  /** A Retry-After longer than this is cut to it: the batch's lines are held meanwhile. */
  maxRetryAfterMs: number;
}

export interface RetryDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

export interface RetryEvents {
  /** Called before each wait, with the failed attempt (1-based), the error and the wait. */
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
}

interface RetryableLike {
  retryable?: unknown;
  retryAfterMs?: unknown;
}

/** The wait after failed attempt `attempt` (1-based): exponential with jitter, at least Retry-After. */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponential = policy.initialBackoffMs * 2 ** (attempt - 1);
  const jittered = exponential * (1 - policy.jitter + 2 * policy.jitter * random());
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.maxRetryAfterMs);
  return Math.max(jittered, floor);
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the
 * attempts are used up; the last error is thrown. Only errors with `retryable: true` are
 * retried: anything unexpected is a bug, not a reason to call the model again.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps,
  signal?: AbortSignal,
  events: RetryEvents = {},
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      const info = (typeof error === 'object' && error !== null ? error : {}) as RetryableLike;
      if (info.retryable !== true || n >= policy.maxAttempts || signal?.aborted === true) throw error;
      const retryAfter = typeof info.retryAfterMs === 'number' ? info.retryAfterMs : undefined;
      const delay = backoffDelay(policy, n, deps.random, retryAfter);
      events.onRetry?.(n, error, delay);
      await deps.sleep(delay, signal);
      signal?.throwIfAborted();
    }
  }
}

/** A timer-based sleep that ends early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
