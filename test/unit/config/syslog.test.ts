import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';

const failsOn = (variable: string) => (err: unknown) =>
  err instanceof ConfigError && err.variable === variable;

describe('syslog settings', () => {
  it('is off by default, binds where HTTP does, and frames hold a whole storable log', () => {
    const { syslog } = loadConfig({});
    assert.equal(syslog.port, 0);
    assert.equal(syslog.host, '0.0.0.0');
    assert.equal(syslog.maxMessageBytes, 65_536 + 16_384 + 1024);
    assert.equal(loadConfig({ INGEST_HOST: '127.0.0.1' }).syslog.host, '127.0.0.1');
    assert.equal(
      loadConfig({ INGEST_MAX_MESSAGE_BYTES: '1000', INGEST_MAX_METADATA_BYTES: '0' }).syslog.maxMessageBytes,
      2024,
    );
  });

  it('needs SYSLOG_ORG with SYSLOG_PORT, and a valid one', () => {
    assert.throws(() => loadConfig({ SYSLOG_PORT: '5514' }), failsOn('SYSLOG_ORG'));
    assert.throws(() => loadConfig({ SYSLOG_PORT: '5514', SYSLOG_ORG: 'a b' }), failsOn('SYSLOG_ORG'));
    assert.throws(() => loadConfig({ SYSLOG_ORG: '..' }), failsOn('SYSLOG_ORG'));
    const { syslog } = loadConfig({ SYSLOG_PORT: '5514', SYSLOG_ORG: 'acme' });
    assert.deepEqual([syslog.port, syslog.org], [5514, 'acme']);
  });

  it('refuses the HTTP port, and bad numbers by name', () => {
    assert.throws(() => loadConfig({ SYSLOG_PORT: '3002', SYSLOG_ORG: 'acme' }), failsOn('SYSLOG_PORT'));
    assert.throws(() => loadConfig({ SYSLOG_PORT: '70000' }), failsOn('SYSLOG_PORT'));
    assert.throws(() => loadConfig({ SYSLOG_IDLE_TIMEOUT_SECS: '0' }), failsOn('SYSLOG_IDLE_TIMEOUT_SECS'));
    assert.throws(() => loadConfig({ SYSLOG_MAX_MESSAGE_BYTES: '10' }), failsOn('SYSLOG_MAX_MESSAGE_BYTES'));
  });
});
