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
    ['CLICKHOUSE_EMBEDDED_CACHE_MB', '-1'],
    ['CLICKHOUSE_EMBEDDED_CACHE_MB', '64MB'],
    ['CLICKHOUSE_EMBEDDED_MAX_MEMORY_MB', 'half'],
    ['CLICKHOUSE_EMBEDDED_DIRTY_DECAY_MS', '-2'],
    ['CLICKHOUSE_EMBEDDED_DIRTY_DECAY_MS', '1s'],
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

  describe('kafka', () => {
    it('is standalone with the documented names when nothing is set', () => {
      const { kafka } = loadConfig({});
      assert.equal(kafka.brokers, undefined);
      assert.equal(kafka.clientId, 'log-ingest');
      assert.deepEqual(kafka.topics, {
        raw: 'logs.raw',
        unmatched: 'logs.unmatched',
        matched: 'logs.matched',
        templates: 'templates',
        deadLetter: 'logs.dead-letter',
      });
      assert.equal(kafka.partitions, 6);
      assert.equal(kafka.replicationFactor, 1);
      assert.equal(kafka.fetchMaxBytes, 1024 * 1024);
      assert.deepEqual(kafka.groups, {
        matcher: 'log-ingest-matcher',
        writer: 'log-ingest-writer',
        generator: 'log-ingest-generator',
      });
    });

    it('reads every KAFKA_ variable', () => {
      const { kafka } = loadConfig({
        KAFKA_BROKERS: ' 127.0.0.1:9092, kafka-1.internal:19092,[::1]:9094 ',
        KAFKA_CLIENT_ID: 'ingest-7',
        KAFKA_TOPIC_RAW: 'a.raw',
        KAFKA_TOPIC_UNMATCHED: 'a.unmatched',
        KAFKA_TOPIC_MATCHED: 'a.matched',
        KAFKA_TOPIC_TEMPLATES: 'a.templates',
        KAFKA_TOPIC_DEAD_LETTER: 'a_dlq',
        KAFKA_PARTITIONS: '12',
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_GROUP_MATCHER: 'm',
        KAFKA_GROUP_WRITER: 'w',
        KAFKA_GROUP_GENERATOR: 'g',
        KAFKA_FETCH_MAX_BYTES: '262144',
      });
      assert.deepEqual(kafka.brokers, ['127.0.0.1:9092', 'kafka-1.internal:19092', '[::1]:9094']);
      assert.equal(kafka.clientId, 'ingest-7');
      assert.deepEqual(kafka.topics, {
        raw: 'a.raw',
        unmatched: 'a.unmatched',
        matched: 'a.matched',
        templates: 'a.templates',
        deadLetter: 'a_dlq',
      });
      assert.equal(kafka.partitions, 12);
      assert.equal(kafka.replicationFactor, 3);
      assert.equal(kafka.fetchMaxBytes, 262_144);
      assert.deepEqual(kafka.groups, { matcher: 'm', writer: 'w', generator: 'g' });
      assert.ok(Object.isFrozen(kafka.brokers) && Object.isFrozen(kafka.topics));
    });

    const badKafka: Array<[string, string]> = [
      ['KAFKA_BROKERS', 'localhost'],
      ['KAFKA_BROKERS', '127.0.0.1:9092,'],
      ['KAFKA_BROKERS', 'http://broker:9092'],
      ['KAFKA_BROKERS', 'broker:70000'],
      ['KAFKA_TOPIC_RAW', 'logs raw'],
      ['KAFKA_TOPIC_TEMPLATES', '..'],
      ['KAFKA_TOPIC_DEAD_LETTER', 'x'.repeat(250)],
      ['KAFKA_TOPIC_MATCHED', 'logs.raw'],
      ['KAFKA_PARTITIONS', '0'],
      ['KAFKA_PARTITIONS', 'six'],
      ['KAFKA_REPLICATION_FACTOR', '-1'],
      ['KAFKA_FETCH_MAX_BYTES', '1000'],
      ['KAFKA_FETCH_MAX_BYTES', String(128 * 1024 * 1024)],
    ];
    for (const [variable, value] of badKafka) {
      it(`rejects ${variable}=${value.slice(0, 40)} naming the variable`, () => {
        assert.throws(
          () => loadConfig({ [variable]: value }),
          (err: unknown) =>
            err instanceof ConfigError && err.variable === variable && err.message.startsWith(variable),
        );
      });
    }
  });
});
