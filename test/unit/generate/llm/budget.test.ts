import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Completion, Prompt } from '../../../../src/generate/llm/completion.ts';
import { httpError } from '../../../../src/generate/llm/errors.ts';
import { LlmGenerator } from '../../../../src/generate/llm/llm-generator.ts';

/** Three groups of lines the grouping keeps apart. */
const LINES = [
  'cache warmed in 12 ms',
  'cache warmed in 7 ms',
  'user u1 logged out after idle timeout',
  'user u2 logged out after idle timeout',
  'replica 3 lagging behind primary by 9 segments now',
  'replica 4 lagging behind primary by 2 segments now',
];

function budgeted(perMin: number, failFirst = 0) {
  let now = 0;
  let calls = 0;
  const complete = (prompt: Prompt): Promise<Completion> => {
    calls++;
    if (calls <= failFirst) return Promise.reject(httpError(503, 'busy'));
    const lines = (JSON.parse(prompt.user) as { lines: string[] }).lines;
    const template = (lines[0] ?? '').replace(/\d+/g, '<*>');
    return Promise.resolve({ text: JSON.stringify({ template }), tokensIn: 1, tokensOut: 1 });
  };
  const llm = new LlmGenerator({
    source: 'openai',
    complete,
    batching: { maxLines: 10, maxWaitMs: 10 },
    retry: { maxAttempts: 3, initialBackoffMs: 1, jitter: 0, maxRetryAfterMs: 1 },
    retryDeps: { sleep: () => Promise.resolve(), random: () => 0.5 },
    maxCallsPerOrgPerMin: perMin,
    now: () => now,
  });
  return { llm, calls: () => calls, advance: (ms: number) => void (now += ms) };
}

describe('LLM calls per org per minute', () => {
  it('asks up to the budget and hands the other groups to the miner', async () => {
    const { llm, calls } = budgeted(2);
    const proposals = await llm.generate('acme', LINES);
    assert.equal(calls(), 2);
    assert.deepEqual(
      proposals.map((p) => p.source ?? 'openai'),
      ['openai', 'openai', 'builtin'],
    );
    const stats = llm.stats();
    assert.equal(stats.budgetLines, 2);
    assert.deepEqual(stats.budgetByOrg, { acme: 2 });
    assert.equal(stats.failures, 0, 'a used-up budget is not a provider failure');
    assert.equal(stats.groups, 2, 'only the groups asked are counted as asked');
  });

  it('counts retries against the budget', async () => {
    const { llm, calls } = budgeted(2, 1);
    await llm.generate('acme', LINES);
    assert.equal(calls(), 2, 'a failed call and its retry');
    assert.equal(llm.stats().budgetLines, 4);
  });

  it('refills over the minute, and each org has its own', async () => {
    const { llm, calls, advance } = budgeted(2);
    await llm.generate('acme', LINES);
    await llm.generate('beta', LINES.slice(0, 2));
    assert.equal(calls(), 3, 'beta was asked though acme had used its calls');
    await llm.generate('acme', LINES.slice(2, 4));
    assert.equal(calls(), 3, 'acme is still out of calls');
    advance(30_000);
    await llm.generate('acme', LINES.slice(4));
    assert.equal(calls(), 4, 'half a minute gives back one call');
  });
});
