import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';

describe('input limits in config', () => {
  it('has safe defaults', () => {
    assert.deepEqual(loadConfig({}).limits, {
      maxMessageBytes: 65_536,
      maxMetadataKeys: 64,
      maxMetadataBytes: 16_384,
      maxLogsPerRequest: 10_000,
    });
  });

  it('reads each variable', () => {
    const limits = loadConfig({
      INGEST_MAX_MESSAGE_BYTES: '100',
      INGEST_MAX_METADATA_KEYS: '3',
      INGEST_MAX_METADATA_BYTES: '50',
      INGEST_MAX_LOGS_PER_REQUEST: '7',
    }).limits;
    assert.deepEqual(limits, {
      maxMessageBytes: 100,
      maxMetadataKeys: 3,
      maxMetadataBytes: 50,
      maxLogsPerRequest: 7,
    });
  });

  for (const [variable, value] of [
    ['INGEST_MAX_MESSAGE_BYTES', '0'],
    ['INGEST_MAX_MESSAGE_BYTES', 'lots'],
    ['INGEST_MAX_METADATA_KEYS', '-1'],
    ['INGEST_MAX_METADATA_BYTES', '1.5'],
    ['INGEST_MAX_LOGS_PER_REQUEST', '0'],
  ] as const) {
    it(`refuses ${variable}=${value}, naming the variable`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (err: unknown) =>
          err instanceof ConfigError && err.variable === variable && err.message.startsWith(variable),
      );
    });
  }
});
