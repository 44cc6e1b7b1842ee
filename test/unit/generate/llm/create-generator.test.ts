import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../../src/config.ts';
import { BuiltinGenerator } from '../../../../src/generate/builtin/index.ts';
import { createGenerator, LlmGenerator } from '../../../../src/generate/index.ts';

describe('LLM configuration', () => {
  it('has defaults for the provider endpoints and the request timeout', () => {
    const { llm } = loadConfig({});
    assert.equal(llm.baseUrl, 'https://api.openai.com/v1');
    assert.equal(llm.ollamaHost, 'http://127.0.0.1:11434');
    assert.equal(llm.timeoutMs, 30_000);
  });

  it('reads LLM_BASE_URL, OLLAMA_HOST and LLM_TIMEOUT_MS', () => {
    const { llm } = loadConfig({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: 'http://127.0.0.1:8000/v1',
      OLLAMA_HOST: 'http://10.0.0.2:11434',
      LLM_TIMEOUT_MS: '5000',
    });
    assert.equal(llm.baseUrl, 'http://127.0.0.1:8000/v1');
    assert.equal(llm.ollamaHost, 'http://10.0.0.2:11434');
    assert.equal(llm.timeoutMs, 5000);
  });

  it('names the variable when a value is bad', () => {
    for (const [name, value] of [
      ['LLM_BASE_URL', 'not a url'],
      ['OLLAMA_HOST', 'ftp://x'],
      ['LLM_TIMEOUT_MS', '0'],
      ['LLM_TIMEOUT_MS', 'soon'],
    ] as const) {
      assert.throws(() => loadConfig({ [name]: value }), { code: 'CONFIG_INVALID', variable: name });
    }
  });

  it('requires a key for OpenAI itself but not for another OpenAI-compatible server', () => {
    assert.throws(() => loadConfig({ LLM_PROVIDER: 'openai' }), { variable: 'LLM_API_KEY' });
    assert.doesNotThrow(() =>
      loadConfig({ LLM_PROVIDER: 'openai', LLM_BASE_URL: 'http://127.0.0.1:8000/v1' }),
    );
    assert.doesNotThrow(() => loadConfig({ LLM_PROVIDER: 'ollama' }));
  });
});

describe('createGenerator', () => {
  it('returns the miner for builtin and an LLM generator with the batching contract otherwise', () => {
    assert.ok(createGenerator(loadConfig({}).llm) instanceof BuiltinGenerator);
    for (const provider of ['openai', 'ollama'] as const) {
      const config = loadConfig({
        LLM_PROVIDER: provider,
        LLM_API_KEY: 'sk-test',
        LLM_BATCH_SIZE: '20',
        LLM_BATCH_TIMEOUT_SECS: '1.5',
      });
      const generator = createGenerator(config.llm);
      assert.ok(generator instanceof LlmGenerator);
      assert.equal(generator.source, provider);
      assert.deepEqual(generator.batching, { maxLines: 20, maxWaitMs: 1500 });
      assert.equal(generator.stats().calls, 0);
    }
  });
});
