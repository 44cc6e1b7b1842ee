import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { configVariables, loadConfig } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';

describe('configVariables', () => {
  const variables = configVariables();
  const byName = new Map(variables.map((v) => [v.name, v]));

  it('lists each variable once, with the defaults loadConfig uses', () => {
    assert.equal(byName.size, variables.length);
    assert.equal(byName.get('INGEST_PORT')?.default, '3002');
    assert.equal(byName.get('LLM_PROVIDER')?.default, 'builtin');
    assert.equal(byName.get('CLICKHOUSE_USER')?.default, 'default');
    assert.equal(byName.get('LLM_BASE_URL')?.default, 'https://api.openai.com/v1');
    assert.equal(byName.get('CLICKHOUSE_URL')?.default, undefined);
    assert.equal(byName.get('KAFKA_BROKERS')?.default, undefined);
    for (const name of ['ORGS_MAX', 'INGEST_MAX_LOGS_PER_REQUEST', 'LLM_MAX_CALLS_PER_ORG_PER_MIN']) {
      assert.ok(byName.has(name), name);
    }
  });

  it('has the names loadConfig reads: setting each to a bad value fails by that name', () => {
    // A variable loadConfig reads but configVariables missed would not be listed; a listed
    // variable loadConfig ignores would not fail. Numbers, choices and URLs are checked.
    let checked = 0;
    for (const v of variables) {
      if (
        v.default === undefined ||
        v.secret ||
        !/^-?\d+(\.\d+)?$|^(builtin|all|write|info|false)$/.test(v.default)
      )
        continue;
      assert.throws(
        () => loadConfig({ [v.name]: 'not-a-value' }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(v.name),
        v.name,
      );
      checked++;
    }
    assert.ok(checked >= 35, `checked ${checked}`);
  });

  it('marks keys and passwords secret, and nothing else', () => {
    const secrets = variables.filter((v) => v.secret).map((v) => v.name);
    assert.deepEqual(secrets.sort(), ['CLICKHOUSE_PASSWORD', 'INGEST_API_KEYS', 'LLM_API_KEY']);
    for (const v of variables) {
      if (/_(API_KEYS?|PASSWORD|TOKEN|SECRET)$/.test(v.name)) assert.ok(v.secret, `${v.name} looks secret`);
    }
  });

  it('says what a computed default follows', () => {
    const derivedNames = variables.filter((v) => v.derivedFrom !== undefined).map((v) => v.name);
    assert.deepEqual(derivedNames.sort(), [
      'CLICKHOUSE_BUFFER_MAX_ROWS',
      'INGEST_RATE_LIMIT_BURST_LOGS',
      'INGEST_THREADS',
      'INGEST_WAL_DIR',
      'INGEST_WAL_SEGMENT_BYTES',
      'KAFKA_INSTANCE_ID',
      'SYSLOG_HOST',
      'SYSLOG_MAX_MESSAGE_BYTES',
    ]);
    assert.equal(byName.get('INGEST_RATE_LIMIT_BURST_LOGS')?.default, '100000');
    assert.equal(byName.get('INGEST_THREADS')?.default, String(availableParallelism()));
  });

  it('does not change what loadConfig returns', () => {
    assert.equal(
      loadConfig({ LLM_BASE_URL: 'http://127.0.0.1:8000/v1' }).llm.baseUrl,
      'http://127.0.0.1:8000/v1',
    );
    assert.equal(loadConfig({}).llm.ollamaHost, 'http://127.0.0.1:11434');
    assert.equal(loadConfig({ LLM_API_KEY: 'sk-x' }).llm.apiKey, 'sk-x');
    assert.equal(loadConfig({ CLICKHOUSE_PASSWORD: 'pw' }).clickhouse.password, 'pw');
  });
});
