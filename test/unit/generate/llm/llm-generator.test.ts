import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Completion, Prompt } from '../../../../src/generate/llm/completion.ts';
import { httpError, LlmError } from '../../../../src/generate/llm/errors.ts';
import { LlmGenerator } from '../../../../src/generate/llm/llm-generator.ts';
import { assertCovers } from '../../../helpers/templates.ts';

type Outcome = string | Error | ((lines: string[]) => string);

/** A provider answering from a script (a template text, raw content, or an error), then digits → <*>. */
function fakeProvider(...script: Outcome[]) {
  const asked: string[][] = [];
  const complete = (prompt: Prompt): Promise<Completion> => {
    const lines = (JSON.parse(prompt.user) as { lines: string[] }).lines;
    asked.push(lines);
    const next =
      script.shift() ?? ((l: string[]) => JSON.stringify({ template: (l[0] ?? '').replace(/\d+/g, '<*>') }));
    if (next instanceof Error) return Promise.reject(next);
    const text = typeof next === 'function' ? next(lines) : next;
    return Promise.resolve({ text, tokensIn: 10, tokensOut: 3 });
  };
  return { complete, asked };
}

function generator(complete: (prompt: Prompt) => Promise<Completion>, maxAttempts = 3) {
  const waits: number[] = [];
  const llm = new LlmGenerator({
    source: 'openai',
    complete,
    batching: { maxLines: 10, maxWaitMs: 2000 },
    retry: { maxAttempts, initialBackoffMs: 1000, jitter: 0.1, maxRetryAfterMs: 60_000 },
    retryDeps: { sleep: (ms) => (waits.push(ms), Promise.resolve()), random: () => 0.5 },
  });
  return { llm, waits };
}

const template = (text: string) => JSON.stringify({ template: text });

describe('LlmGenerator', () => {
  it('asks once per group with the group lines and proposes the checked template', async () => {
    const { complete, asked } = fakeProvider();
    const { llm } = generator(complete);
    const lines = ['took 12 ms', 'disk sda1 full', 'took 7 ms', 'took 99 ms'];
    const proposals = await llm.generate('a', lines);
    assert.equal(asked.length, 2);
    assert.deepEqual(asked[0], ['took 12 ms', 'took 7 ms', 'took 99 ms']);
    assert.deepEqual(
      proposals.map((p) => [p.text, p.source]),
      [
        ['took <*> ms', undefined],
        ['disk sda<*> full', undefined],
      ],
    );
    const stats = llm.stats();
    assert.equal(stats.calls, 2);
    assert.equal(stats.groups, 2);
    assert.equal(stats.linesAsked, 4);
    assert.equal(stats.tokensIn, 20);
    assert.equal(stats.tokensOut, 6);
    assert.equal(stats.proposalsAccepted, 2);
    assert.equal(stats.fallbacks, 0);
  });

  it('does not ask for a group a template from earlier in the call already covers', async () => {
    const { complete, asked } = fakeProvider(template('job <*> done'));
    const { llm } = generator(complete);
    // Different token counts: the grouping puts them apart, the first template covers both.
    const proposals = await llm.generate('a', ['job 1 done', 'job 2 3 done']);
    assert.equal(asked.length, 1);
    assert.deepEqual(
      proposals.map((p) => p.text),
      ['job <*> done'],
    );
  });

  it('honours Retry-After on 429, then uses the answer', async () => {
    const { complete, asked } = fakeProvider(httpError(429, 'slow down', 5000));
    const { llm, waits } = generator(complete);
    const proposals = await llm.generate('a', ['took 12 ms']);
    assert.equal(asked.length, 2);
    assert.deepEqual(waits, [5000]);
    assert.deepEqual(
      proposals.map((p) => p.text),
      ['took <*> ms'],
    );
    assert.equal(llm.stats().retries, 1);
  });

  it('backs off exponentially between attempts', async () => {
    const down = httpError(503, 'down');
    const { complete, asked } = fakeProvider(down, down, down);
    const { llm, waits } = generator(complete, 4);
    await llm.generate('a', ['took 12 ms']);
    assert.equal(asked.length, 4);
    assert.deepEqual(waits, [1000, 2000, 4000]);
  });

  it('retries malformed output', async () => {
    const { complete, asked } = fakeProvider(
      'I am a language model',
      '```json\n{"template": "took <*> ms"}\n```',
    );
    const { llm } = generator(complete);
    const proposals = await llm.generate('a', ['took 12 ms']);
    assert.equal(asked.length, 2);
    assert.deepEqual(
      proposals.map((p) => p.text),
      ['took <*> ms'],
    );
  });

  it('stops at once on a non-retryable 400 and lets the miner take the lines', async () => {
    const { complete, asked } = fakeProvider(httpError(400, 'bad model'));
    const { llm, waits } = generator(complete);
    const lines = ['took 12 ms', 'took 7 ms'];
    const proposals = await llm.generate('a', lines);
    assert.equal(asked.length, 1);
    assert.deepEqual(waits, []);
    assert.ok(proposals.length > 0 && proposals.every((p) => p.source === 'builtin' && p.id !== undefined));
    assertCovers('a', proposals, lines);
    assert.equal(llm.stats().failures, 1);
  });

  it('falls back to the miner after the last failed attempt', async () => {
    const down = httpError(500, 'boom');
    const { complete, asked } = fakeProvider(down, down, down);
    const { llm, waits } = generator(complete, 3);
    const lines = ['took 12 ms', 'took 7 ms', 'took 3 ms'];
    const proposals = await llm.generate('a', lines);
    assert.equal(asked.length, 3);
    assert.deepEqual(waits, [1000, 2000]);
    assertCovers('a', proposals, lines);
    const stats = llm.stats();
    assert.deepEqual(
      [stats.calls, stats.retries, stats.failures, stats.fallbacks, stats.fallbackLines],
      [3, 2, 1, 1, 3],
    );
  });

  it('rejects a template that does not match its lines and the miner covers them', async () => {
    const { complete } = fakeProvider(template('completely different <*>'));
    const { llm } = generator(complete);
    const lines = ['took 12 ms', 'took 7 ms'];
    const proposals = await llm.generate('a', lines);
    assert.ok(proposals.every((p) => p.text !== 'completely different <*>'));
    assertCovers('a', proposals, lines);
    assert.equal(llm.stats().proposalsRejected, 1);
  });

  it('rejects a template with no constant text', async () => {
    const { complete } = fakeProvider(template('<*> <*> <*>'));
    const { llm } = generator(complete);
    const proposals = await llm.generate('a', ['took 12 ms']);
    assert.ok(proposals.every((p) => p.source === 'builtin'));
    assert.equal(llm.stats().proposalsRejected, 1);
  });

  it('keeps a template for the lines it covers; what the next question does not cover goes to the miner', async () => {
    // Too specific: a constant where the lines vary. The uncovered line is asked about again,
    // and that answer fails the checks (no constant text): the miner takes the line.
    const { complete, asked } = fakeProvider(template('took 12 ms on <*>'), template('<*> <*>'));
    const { llm } = generator(complete);
    const lines = ['took 12 ms on alpha', 'took 7 ms on alpha'];
    const proposals = await llm.generate('a', lines);
    assert.equal(asked.length, 2);
    assert.deepEqual(proposals[0], { text: 'took 12 ms on <*>' });
    assert.ok(proposals.slice(1).every((p) => p.source === 'builtin'));
    assertCovers('a', proposals, lines);
    assert.equal(llm.stats().fallbackLines, 1);
  });

  it('rethrows when aborted instead of falling back', async () => {
    const controller = new AbortController();
    const complete = () => {
      controller.abort();
      return Promise.reject(new LlmError('LLM_ABORTED', 'aborted', { retryable: false }));
    };
    const { llm } = generator(complete);
    await assert.rejects(llm.generate('a', ['took 12 ms'], controller.signal));
  });

  it('uses the configured batching', () => {
    const { llm } = generator(fakeProvider().complete);
    assert.deepEqual(llm.batching, { maxLines: 10, maxWaitMs: 2000 });
    assert.equal(llm.source, 'openai');
  });
  it('groups the lines an accepted template left uncovered again and asks about them, not the miner', async () => {
    // One group by shape; the model's first answer covers only the 200s. The rest is grouped
    // again and asked about: a new group, not the same one.
    const { complete, asked } = fakeProvider(
      template('GET /a 200 in <*> ms'),
      template('GET <*> 404 in <*> ms'),
    );
    const { llm } = generator(complete);
    const lines = ['GET /a 200 in 3 ms', 'GET /b 404 in 5 ms', 'GET /a 200 in 9 ms', 'GET /c 404 in 1 ms'];
    const proposals = await llm.generate('a', lines);
    assert.deepEqual(asked, [lines, ['GET /b 404 in 5 ms', 'GET /c 404 in 1 ms']]);
    assert.deepEqual(
      proposals.map((p) => [p.text, p.source]),
      [
        ['GET /a 200 in <*> ms', undefined],
        ['GET <*> 404 in <*> ms', undefined],
      ],
    );
    assert.equal(llm.stats().regroupedLines, 2);
    assert.equal(llm.stats().fallbackLines, 0);
  });

  it('does not ask again about lines its answer made no progress on: the miner takes them', async () => {
    const { complete, asked } = fakeProvider(template('something else <*>'));
    const { llm } = generator(complete);
    const lines = ['user 1 logged in', 'user 3 logged in'];
    const proposals = await llm.generate('a', lines);
    assert.equal(asked.length, 1);
    assert.equal(llm.stats().regroupedLines, 0);
    assert.equal(llm.stats().fallbackLines, 2);
    assertCovers('a', proposals, lines);
  });
});
