import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatorFactory, UsageError } from '../../../bench/accuracy/generators.ts';
import { startOllamaStandIn, startOpenAiStandIn } from '../../helpers/llm-stand-ins.ts';
import { parsedLines, replay } from '../../../bench/accuracy/replay.ts';
import { accuracy } from '../../../bench/metrics.ts';
import type { ProposedTemplate, TemplateGenerator } from '../../../src/generate/generator.ts';

/** Replaces every number with <*>; or fails, when told to. */
class DigitsGenerator implements TemplateGenerator {
  readonly source = 'builtin' as const;
  readonly batching = { maxLines: 50, maxWaitMs: 0 };
  calls = 0;
  readonly fail: boolean;
  constructor(fail = false) {
    this.fail = fail;
  }
  seed(): void {}
  generate(_org: string, lines: readonly string[]): Promise<ProposedTemplate[]> {
    this.calls++;
    if (this.fail) return Promise.reject(new Error('model unavailable'));
    return Promise.resolve(
      [...new Set(lines.map((l) => l.replace(/\d+/g, '<*>')))].map((text) => ({ text })),
    );
  }
}

const LOG = [
  'took 12 ms',
  'user 7 logged in',
  'took 3 ms',
  'disk 1 full',
  'user 8 logged in',
  'took 40 ms',
  'disk 2 full',
];
const TRUTH = LOG.map((line) => line.replace(/\d+/g, '<*>'));

describe('replay through the match and generate stages', () => {
  it('stores every line once, with the final text of its template', async () => {
    const generator = new DigitsGenerator();
    const run = await replay(LOG, generator, { chunk: 2 });
    assert.equal(run.lost, 0);
    assert.equal(run.duplicated, 0);
    assert.equal(run.texts.size, 3);
    const parsed = parsedLines(LOG, run);
    assert.deepEqual(
      parsed.map((line) => line.template),
      TRUTH,
    );
    const score = accuracy(TRUTH, parsed);
    assert.deepEqual([score.GA, score.PA, score.FGA, score.FTA], [1, 1, 1, 1]);
    assert.equal(run.generate.batches, generator.calls);
    assert.ok(generator.calls < LOG.length, 'lines a template already matches never reach the generator');
  });

  it('gives a line stored without a template a group of its own, its message as the template', async () => {
    const run = await replay(LOG.slice(0, 3), new DigitsGenerator(true), { chunk: 10 });
    assert.deepEqual(run.templateIds, [0, 0, 0]);
    const parsed = parsedLines(LOG.slice(0, 3), run);
    assert.deepEqual(
      parsed.map((line) => line.template),
      LOG.slice(0, 3),
    );
    assert.equal(new Set(parsed.map((line) => line.group)).size, 3);
    const score = accuracy(TRUTH.slice(0, 3), parsed);
    assert.equal(score.GA, 1 / 3, 'only the line alone in its ground-truth group is grouped right');
    assert.equal(score.PA, 0);
  });

  it('runs the built-in generator, and stores every line once', async () => {
    const { generator, close } = await generatorFactory('builtin')({ dataset: 'tiny', lines: [] });
    const run = await replay(LOG, generator, { chunk: 3 });
    await close();
    assert.equal(generator.source, 'builtin');
    assert.equal(run.lost, 0);
    assert.equal(run.duplicated, 0);
    assert.ok(run.texts.size > 0);
  });
});

describe('generator choice', () => {
  it('runs openai and ollama against the server the environment names, through the real clients', async () => {
    for (const [name, start, variable] of [
      ['openai', startOpenAiStandIn, 'LLM_BASE_URL'],
      ['ollama', startOllamaStandIn, 'OLLAMA_HOST'],
    ] as const) {
      const server = await start();
      const saved = { ...process.env };
      Object.assign(process.env, { [variable]: server.url, LLM_MODEL: 'stand-in', LLM_API_KEY: 'k' });
      try {
        const bench = await generatorFactory(name)({ dataset: 'tiny', lines: [] });
        const run = await replay(LOG, bench.generator, { chunk: 3 });
        await bench.close();
        assert.equal(bench.generator.source, name);
        assert.equal(run.lost, 0);
        assert.ok(server.requests.length > 0, `${name}: the model was asked`);
        assert.ok((bench.llmStats?.().calls ?? 0) > 0);
      } finally {
        process.env = saved;
        await server.close();
      }
    }
  });

  it('refuses openai without a key for OpenAI itself, naming the variable', async () => {
    const saved = { ...process.env };
    delete process.env['LLM_BASE_URL'];
    delete process.env['LLM_API_KEY'];
    try {
      await assert.rejects(
        generatorFactory('openai')({ dataset: 'tiny', lines: [] }),
        (error: unknown) => error instanceof UsageError && /LLM_API_KEY/.test(error.message),
      );
    } finally {
      process.env = saved;
    }
  });

  it('has the oracle and noisy stand-ins', () => {
    for (const name of ['builtin', 'oracle', 'noisy'])
      assert.equal(typeof generatorFactory(name), 'function');
  });

  it('lists the choices for an unknown generator', () => {
    assert.throws(
      () => generatorFactory('gpt'),
      (error: unknown) =>
        error instanceof UsageError && /builtin, oracle, noisy, openai, ollama/.test(error.message),
    );
  });
});
