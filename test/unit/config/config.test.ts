import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';

describe('loadConfig', () => {
  it('has the original defaults with an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.http.port, 3002);
    assert.equal(config.http.host, '0.0.0.0');
    assert.equal(config.http.bodyLimitBytes, 10 * 1024 * 1024);
    assert.equal(config.clickhouse.url, undefined);
    assert.equal(config.clickhouse.bufferSize, 1000);
    assert.equal(config.clickhouse.flushIntervalSecs, 5);
    assert.equal(config.llm.provider, 'builtin');
    assert.equal(config.llm.model, 'llama3');
    assert.equal(config.llm.batchSize, 10);
    assert.equal(config.llm.batchTimeoutSecs, 2);
    assert.equal(config.llm.maxConcurrentBatches, 5);
    assert.equal(config.llm.maxRetries, 3);
    assert.equal(config.llm.initialBackoffMs, 1000);
    assert.ok(config.clickhouse.dataDir.endsWith('/data'));
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      INGEST_PORT: '8080',
      CLICKHOUSE_URL: 'http://127.0.0.1:8123',
      CLICKHOUSE_DATABASE: 'logs_db',
      CLICKHOUSE_BUFFER_SIZE: '500',
      CLICKHOUSE_FLUSH_INTERVAL_SECS: '0.5',
      LLM_PROVIDER: 'OpenAI',
      LLM_API_KEY: 'sk-test',
      LLM_MODEL: 'gpt-4',
      LLM_BATCH_SIZE: '20',
    });
    assert.equal(config.http.port, 8080);
    assert.equal(config.clickhouse.url, 'http://127.0.0.1:8123');
    assert.equal(config.clickhouse.database, 'logs_db');
    assert.equal(config.clickhouse.bufferSize, 500);
    assert.equal(config.clickhouse.flushIntervalSecs, 0.5);
    assert.equal(config.llm.provider, 'openai');
    assert.equal(config.llm.apiKey, 'sk-test');
    assert.equal(config.llm.batchSize, 20);
  });

  it('is frozen', () => {
    const config = loadConfig({});
    assert.throws(() => {
      (config.http as { port: number }).port = 1;
    }, TypeError);
  });

  const bad: Array<[string, string]> = [
    ['INGEST_PORT', 'eighty'],
    ['INGEST_PORT', '70000'],
    ['CLICKHOUSE_BUFFER_SIZE', '0'],
    ['CLICKHOUSE_FLUSH_INTERVAL_SECS', 'soon'],
    ['CLICKHOUSE_URL', 'localhost:8123'],
    ['CLICKHOUSE_DATABASE', 'logs; DROP TABLE x'],
    ['LLM_PROVIDER', 'anthropic'],
    ['LLM_MAX_RETRIES', '-1'],
    ['LLM_BATCH_TIMEOUT_SECS', 'NaN'],
  ];
  for (const [variable, value] of bad) {
    it(`rejects ${variable}=${value} naming the variable`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (err: unknown) =>
          err instanceof ConfigError && err.variable === variable && err.message.startsWith(variable),
      );
    });
  }
});
