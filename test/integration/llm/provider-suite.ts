// The same behaviour is asked of both providers: this suite runs the real SDK client of one
// against its stand-in server over HTTP on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { LlmError, LlmGenerator, type Complete } from '../../../src/generate/llm/index.ts';
import { buildPrompt } from '../../../src/generate/llm/prompt.ts';
import { TOKENS_IN, TOKENS_OUT, type Reply, type StandIn } from '../../helpers/llm-stand-ins.ts';
import { assertCovers } from '../../helpers/templates.ts';

export const BACKOFF_MS = 20;
/** The timeout of the test about a request that hangs (and of the client's error codes). */
const TIMEOUT_MS = 150;
/**
 * Every other test's: it asserts how many requests the stand-in saw, and a first request on a
 * loaded machine (a new connection, the SDK's first call) can take longer than 150 ms.
 */
const ANSWER_TIMEOUT_MS = 10_000;

export interface ProviderUnderTest {
  name: 'openai' | 'ollama';
  startStandIn: () => Promise<StandIn>;
  complete: (url: string, timeoutMs: number) => Complete;
}

export function llmGenerator(
  provider: ProviderUnderTest,
  url: string,
  maxAttempts = 3,
  timeoutMs = ANSWER_TIMEOUT_MS,
): LlmGenerator {
  return new LlmGenerator({
    source: provider.name,
    complete: provider.complete(url, timeoutMs),
    batching: { maxLines: 10, maxWaitMs: 10 },
    retry: { maxAttempts, initialBackoffMs: BACKOFF_MS, jitter: 0.1, maxRetryAfterMs: 60_000 },
  });
}

/** Time between consecutive requests the stand-in received. */
function gaps(standIn: StandIn): number[] {
  return standIn.requests.slice(1).map((request, k) => request.at - (standIn.requests[k]?.at ?? 0));
}

/** At least the k-th backoff (with the jitter at its lowest); 1 ms for timer rounding. */
function assertSpacing(standIn: StandIn, expected: number[]): void {
  const seen = gaps(standIn);
  assert.equal(seen.length, expected.length);
  seen.forEach((gap, k) =>
    assert.ok(gap >= (expected[k] ?? 0) - 1, `gap ${k}: ${gap} ms < ${expected[k]} ms`),
  );
}

const LINES = ['took 12 ms', 'took 7 ms', 'took 130 ms'];

export function providerSuite(provider: ProviderUnderTest): void {
  describe(`${provider.name} provider over HTTP`, () => {
    let standIn: StandIn;
    before(async () => {
      standIn = await provider.startStandIn();
    });
    after(() => standIn.close());
    afterEach(() => {
      standIn.requests.length = 0;
      standIn.script();
    });

    it('sends the lines as data with a JSON schema and proposes the answered template', async () => {
      const generator = llmGenerator(provider, standIn.url);
      const proposals = await generator.generate('acme', LINES);
      assert.deepEqual(proposals, [{ text: 'took <*> ms' }]);
      assert.equal(standIn.requests.length, 1);
      const request = standIn.requests[0]!;
      assert.deepEqual(request.lines, LINES);
      const body = request.body as Record<string, unknown>;
      const schema =
        provider.name === 'openai'
          ? (body.response_format as { json_schema: { schema: unknown } }).json_schema.schema
          : body.format;
      assert.deepEqual((schema as { required: string[] }).required, ['template']);
      const stats = generator.stats();
      assert.deepEqual([stats.calls, stats.tokensIn, stats.tokensOut], [1, TOKENS_IN, TOKENS_OUT]);
    });

    it('retries 500s on the exponential schedule', async () => {
      standIn.script({ kind: 'status', status: 500 }, { kind: 'status', status: 503 });
      const generator = llmGenerator(provider, standIn.url);
      const proposals = await generator.generate('acme', LINES);
      assert.deepEqual(proposals, [{ text: 'took <*> ms' }]);
      assert.equal(standIn.requests.length, 3);
      assertSpacing(standIn, [BACKOFF_MS * 0.9, BACKOFF_MS * 2 * 0.9]);
      assert.equal(generator.stats().retries, 2);
    });

    it('honours Retry-After on 429', async () => {
      standIn.script({ kind: 'status', status: 429, retryAfter: '1' });
      const generator = llmGenerator(provider, standIn.url);
      const proposals = await generator.generate('acme', LINES);
      assert.deepEqual(proposals, [{ text: 'took <*> ms' }]);
      assert.equal(standIn.requests.length, 2);
      assertSpacing(standIn, [1000]);
    });

    it('times out a request that hangs and tries again', async () => {
      standIn.script({ kind: 'hang' });
      const generator = llmGenerator(provider, standIn.url, 3, TIMEOUT_MS);
      const proposals = await generator.generate('acme', LINES);
      assert.deepEqual(proposals, [{ text: 'took <*> ms' }]);
      assert.equal(standIn.requests.length, 2);
      // The timeout runs from when the client starts the request, which the stand-in sees a few
      // ms later (a new connection, on a busy machine): the gap it measures may be that much short.
      assertSpacing(standIn, [TIMEOUT_MS - 15 + BACKOFF_MS * 0.9]);
    });

    it('retries malformed JSON and garbage, then falls back to the miner', async () => {
      standIn.script(
        { kind: 'malformed-json' },
        { kind: 'content', content: 'Sure! The template is nice.' },
        {
          kind: 'malformed-json',
        },
      );
      const generator = llmGenerator(provider, standIn.url);
      const proposals = await generator.generate('acme', LINES);
      assert.equal(standIn.requests.length, 3);
      assertSpacing(standIn, [BACKOFF_MS * 0.9, BACKOFF_MS * 2 * 0.9]);
      assert.ok(proposals.length > 0 && proposals.every((p) => p.source === 'builtin'));
      assertCovers('acme', proposals, LINES);
      const stats = generator.stats();
      assert.deepEqual([stats.calls, stats.retries, stats.failures, stats.fallbackLines], [3, 2, 1, 3]);
    });

    it('stops at once on 400 and the miner covers the lines', async () => {
      standIn.script({ kind: 'status', status: 400 });
      const generator = llmGenerator(provider, standIn.url);
      const proposals = await generator.generate('acme', LINES);
      assert.equal(standIn.requests.length, 1);
      assertCovers('acme', proposals, LINES);
      assert.ok(proposals.every((p) => p.source === 'builtin'));
    });

    it('rejects a wrong template without asking again, and the miner covers the lines', async () => {
      standIn.script({ kind: 'template', template: 'connection refused by <*>' });
      const generator = llmGenerator(provider, standIn.url);
      const proposals = await generator.generate('acme', LINES);
      assert.equal(standIn.requests.length, 1);
      assert.ok(proposals.every((p) => p.text !== 'connection refused by <*>'));
      assertCovers('acme', proposals, LINES);
      assert.equal(generator.stats().proposalsRejected, 1);
    });

    it('turns each failure into an LlmError with a stable code', async () => {
      const complete = provider.complete(standIn.url, TIMEOUT_MS);
      const prompt = buildPrompt(LINES);
      const cases: [Reply, string, boolean][] = [
        [{ kind: 'status', status: 429, retryAfter: '2' }, 'LLM_RATE_LIMITED', true],
        [{ kind: 'status', status: 500 }, 'LLM_SERVER_ERROR', true],
        [{ kind: 'status', status: 408 }, 'LLM_TIMEOUT', true],
        [{ kind: 'status', status: 401 }, 'LLM_REQUEST_REJECTED', false],
        [{ kind: 'hang' }, 'LLM_TIMEOUT', true],
        [{ kind: 'malformed-json' }, 'LLM_MALFORMED_OUTPUT', true],
      ];
      for (const [reply, code, retryable] of cases) {
        standIn.script(reply);
        await assert.rejects(complete(prompt), (error: unknown) => {
          assert.ok(error instanceof LlmError, `${reply.kind}: ${String(error)}`);
          assert.deepEqual([error.code, error.retryable], [code, retryable], reply.kind);
          if (reply.kind === 'status' && reply.status === 429) assert.equal(error.retryAfterMs, 2000);
          return true;
        });
      }
      const controller = new AbortController();
      standIn.script({ kind: 'hang' });
      const pending = complete(prompt, controller.signal);
      setTimeout(() => controller.abort(), 10);
      await assert.rejects(pending, { code: 'LLM_ABORTED', retryable: false });
    });

    it('treats a refused connection as retryable, then falls back', async () => {
      const closed = await provider.startStandIn();
      const url = closed.url;
      await closed.close();
      const generator = llmGenerator(provider, url, 2);
      const proposals = await generator.generate('acme', LINES);
      assertCovers('acme', proposals, LINES);
      const stats = generator.stats();
      assert.deepEqual([stats.calls, stats.retries, stats.failures], [2, 1, 1]);
    });
  });
}
