import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LOGS_PER_SEC_PER_ORG, loadConfig } from '../../../src/config.ts';

describe('quota configuration', () => {
  it('limits each org by default, with a burst of two seconds', () => {
    const config = loadConfig({});
    assert.deepEqual(config.rateLimit, {
      logsPerSec: DEFAULT_LOGS_PER_SEC_PER_ORG,
      burstLogs: 2 * DEFAULT_LOGS_PER_SEC_PER_ORG,
    });
    assert.equal(config.llm.maxCallsPerOrgPerMin, 60);
    assert.equal(config.generate.maxTemplatesPerOrg, 20_000);
  });

  it('reads the variables, 0 turning a limit off', () => {
    const config = loadConfig({
      INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
      LLM_MAX_CALLS_PER_ORG_PER_MIN: '0',
      TEMPLATES_MAX_PER_ORG: '50',
    });
    assert.equal(config.rateLimit.logsPerSec, 0);
    assert.equal(config.llm.maxCallsPerOrgPerMin, 0);
    assert.equal(config.generate.maxTemplatesPerOrg, 50);
  });

  it('keeps the default burst large enough for a full request', () => {
    const config = loadConfig({ INGEST_RATE_LIMIT_LOGS_PER_SEC: '100' });
    assert.equal(config.rateLimit.burstLogs, 10_000, 'INGEST_MAX_LOGS_PER_REQUEST');
  });

  it('refuses a burst smaller than a full request, naming the variable', () => {
    assert.throws(
      () =>
        loadConfig({
          INGEST_RATE_LIMIT_LOGS_PER_SEC: '100',
          INGEST_RATE_LIMIT_BURST_LOGS: '500',
          INGEST_MAX_LOGS_PER_REQUEST: '1000',
        }),
      { variable: 'INGEST_RATE_LIMIT_BURST_LOGS', message: /at least INGEST_MAX_LOGS_PER_REQUEST \(1000\)/ },
    );
  });

  it('refuses negative or malformed values', () => {
    for (const [name, value] of [
      ['INGEST_RATE_LIMIT_LOGS_PER_SEC', '-1'],
      ['INGEST_RATE_LIMIT_BURST_LOGS', 'lots'],
      ['LLM_MAX_CALLS_PER_ORG_PER_MIN', '1.5'],
    ] as const) {
      assert.throws(() => loadConfig({ [name]: value }), { variable: name }, `${name}=${value}`);
    }
  });
});
