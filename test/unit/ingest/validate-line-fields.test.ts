import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateLog } from '../../../src/ingest/validate.ts';
import { DEFAULT_LIMITS } from '../../../src/config.ts';

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const LINE = '2015-10-18 18:01:47,978 WARN [main] org.example.App: Created';
const everyOrg = (): boolean => true;

function stored(input: Record<string, unknown>, ...setting: [((org: string) => boolean) | undefined] | []) {
  const lineFieldsFor = setting.length === 0 ? everyOrg : setting[0];
  const result = validateLog(input, null, NOW, DEFAULT_LIMITS, true, lineFieldsFor);
  assert.ok(result.ok);
  return {
    time: new Date(result.log.timestamp).toISOString(),
    level: result.log.level,
    message: result.log.message,
  };
}

describe('validateLog: timestamp and level from the line when the client sent none', () => {
  it('takes both from the header; the message stays as sent', () => {
    assert.deepEqual(stored({ org: 'acme', message: LINE }), {
      time: '2015-10-18T18:01:47.978Z',
      level: 'WARN',
      message: LINE,
    });
  });

  it("keeps the client's timestamp (ISO or epoch ms) and takes only the level", () => {
    assert.deepEqual(stored({ org: 'acme', message: LINE, timestamp: '2026-12-07T11:00:00Z' }), {
      time: '2026-12-07T11:00:00.000Z',
      level: 'WARN',
      message: LINE,
    });
    assert.equal(
      stored({ org: 'acme', message: LINE, timestamp: NOW - 5 }).time,
      new Date(NOW - 5).toISOString(),
    );
  });

  it("keeps the client's level and takes only the timestamp", () => {
    assert.deepEqual(stored({ org: 'acme', message: LINE, level: 'debug' }), {
      time: '2015-10-18T18:01:47.978Z',
      level: 'DEBUG',
      message: LINE,
    });
  });

  it('a line without a header: the arrival and INFO, as before', () => {
    const log = stored({ org: 'acme', message: 'no ERROR found 2015-10-18 18:01:47' });
    assert.deepEqual(log, {
      time: new Date(NOW).toISOString(),
      level: 'INFO',
      message: 'no ERROR found 2015-10-18 18:01:47',
    });
  });

  it('a line time outside 1970-2299 is not stored: the arrival instead, and the log is accepted', () => {
    const line = '1969-12-31 23:59:59 ERROR before the epoch';
    assert.deepEqual(stored({ org: 'acme', message: line }), {
      time: new Date(NOW).toISOString(),
      level: 'ERROR',
      message: line,
    });
  });

  it('off for the org (or for all): the arrival and INFO', () => {
    const off = { time: new Date(NOW).toISOString(), level: 'INFO', message: LINE };
    assert.deepEqual(
      stored({ org: 'legacy', message: LINE }, (org) => org !== 'legacy'),
      off,
    );
    assert.deepEqual(stored({ org: 'acme', message: LINE }, undefined), off);
  });

  it('bad input is still refused first, naming the field', () => {
    const result = validateLog(
      { org: 'acme', message: LINE, timestamp: 'yesterday' },
      3,
      NOW,
      DEFAULT_LIMITS,
      true,
      everyOrg,
    );
    assert.ok(!result.ok);
    assert.deepEqual(
      [result.problem.index, result.problem.field, result.problem.code],
      [3, 'timestamp', 'INVALID_TIMESTAMP'],
    );
  });
});
