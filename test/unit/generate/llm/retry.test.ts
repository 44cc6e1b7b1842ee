import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpError, LlmError, parseRetryAfter } from '../../../../src/generate/llm/errors.ts';
import { backoffDelay, withRetries, type RetryPolicy } from '../../../../src/generate/llm/retry.ts';

const policy: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 1000, jitter: 0.1, maxRetryAfterMs: 60_000 };

/** An attempt function failing with the given errors in turn, then answering 'ok'. */
function failing(...errors: Error[]) {
  const attempts: number[] = [];
  const fn = (n: number) => {
    attempts.push(n);
    const error = errors[n - 1];
    return error === undefined ? Promise.resolve('ok') : Promise.reject(error);
  };
  return { fn, attempts };
}

function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
}

describe('backoffDelay', () => {
  it('doubles from the initial backoff, within ±10% jitter', () => {
    for (const [attempt, base] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ] as const) {
      assert.equal(
        backoffDelay(policy, attempt, () => 0),
        base * 0.9,
      );
      assert.equal(
        backoffDelay(policy, attempt, () => 0.5),
        base,
      );
      assert.ok(Math.abs(backoffDelay(policy, attempt, () => 0.999999) - base * 1.1) < 0.01);
    }
  });

  it('waits at least Retry-After, up to the cap', () => {
    assert.equal(
      backoffDelay(policy, 1, () => 0.5, 5000),
      5000,
    );
    assert.equal(
      backoffDelay(policy, 1, () => 0.5, 10),
      1000,
    );
    assert.equal(
      backoffDelay(policy, 1, () => 0.5, 3_600_000),
      60_000,
    );
  });
});

describe('withRetries', () => {
  it('retries retryable errors on the exponential schedule', async () => {
    const server = httpError(503, 'down');
    const { fn, attempts } = failing(server, server, server);
    const { waits, sleep } = recordingSleep();
    const result = await withRetries(fn, policy, { sleep, random: () => 0.5 });
    assert.equal(result, 'ok');
    assert.deepEqual(attempts, [1, 2, 3, 4]);
    assert.deepEqual(waits, [1000, 2000, 4000]);
  });

  it('keeps every wait within the jitter bounds', async () => {
    const server = httpError(500, 'boom');
    const { fn } = failing(server, server, server);
    const { waits, sleep } = recordingSleep();
    await withRetries(fn, policy, { sleep, random: Math.random });
    waits.forEach((wait, k) => {
      const base = 1000 * 2 ** k;
      assert.ok(wait >= base * 0.9 && wait <= base * 1.1, `wait ${k}: ${wait}`);
    });
  });

  it('honours Retry-After on 429', async () => {
    const limited = httpError(429, 'slow down', 7000);
    const { fn } = failing(limited);
    const { waits, sleep } = recordingSleep();
    await withRetries(fn, policy, { sleep, random: () => 0.5 });
    assert.deepEqual(waits, [7000]);
  });

  it('stops at once on a non-retryable error', async () => {
    const { fn, attempts } = failing(httpError(400, 'bad request'));
    const { waits, sleep } = recordingSleep();
    await assert.rejects(withRetries(fn, policy, { sleep, random: () => 0.5 }), {
      code: 'LLM_REQUEST_REJECTED',
    });
    assert.deepEqual(attempts, [1]);
    assert.deepEqual(waits, []);
  });

  it('does not retry unexpected errors (bugs)', async () => {
    const { fn, attempts } = failing(new TypeError('x is undefined'));
    await assert.rejects(withRetries(fn, policy, { ...recordingSleep(), random: () => 0.5 }), TypeError);
    assert.deepEqual(attempts, [1]);
  });

  it('throws the last error after the last attempt', async () => {
    const errors = [1, 2, 3, 4].map((k) => httpError(500, `boom ${k}`));
    const { fn, attempts } = failing(...errors);
    await assert.rejects(withRetries(fn, policy, { ...recordingSleep(), random: () => 0.5 }), {
      message: 'boom 4',
    });
    assert.deepEqual(attempts, [1, 2, 3, 4]);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const { fn, attempts } = failing(httpError(500, 'boom'), httpError(500, 'boom'));
    const sleep = () => (controller.abort(), Promise.resolve());
    await assert.rejects(withRetries(fn, policy, { sleep, random: () => 0.5 }, controller.signal));
    assert.deepEqual(attempts, [1]);
  });
});

describe('error classification', () => {
  it('makes 408, 429 and 5xx retryable and other 4xx not', () => {
    for (const status of [408, 429, 500, 502, 503, 504])
      assert.equal(httpError(status, '').retryable, true, `${status}`);
    for (const status of [400, 401, 403, 404, 422])
      assert.equal(httpError(status, '').retryable, false, `${status}`);
    assert.equal(httpError(429, '').code, 'LLM_RATE_LIMITED');
    assert.ok(httpError(500, '') instanceof LlmError);
  });

  it('reads Retry-After as seconds or as an HTTP-date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const headers = (values: Record<string, string>) => new Headers(values);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '3' }), now), 3000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': '1.5' }), now), 1500);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }), now), 10_000);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'Wed, 31 Dec 2025 00:00:00 GMT' }), now), 0);
    assert.equal(parseRetryAfter(headers({ 'retry-after-ms': '250', 'retry-after': '3' }), now), 250);
    assert.equal(parseRetryAfter(headers({ 'retry-after': 'soon' }), now), undefined);
    assert.equal(parseRetryAfter(headers({}), now), undefined);
  });
});
