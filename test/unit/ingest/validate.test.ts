import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIsoTimestamp } from '../../../src/ingest/timestamp.ts';
import { validateLog } from '../../../src/ingest/validate.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

function problemOf(input: unknown, index: number | null = null) {
  const result = validateLog(input, index, NOW);
  assert.equal(result.ok, false, 'expected a problem');
  return (result as { ok: false; problem: { field: string; code: string; index: number | null } }).problem;
}

describe('validateLog', () => {
  it('normalises a full log', () => {
    const result = validateLog(
      {
        timestamp: '2025-01-15T10:30:45Z',
        org: 'acme',
        dashboard: 'production',
        service: 'api-server',
        host: 'web-01',
        level: 'error',
        message: 'Connection timeout after 30s',
        metadata: { request_id: 'req_123' },
      },
      null,
      NOW,
    );
    assert.ok(result.ok);
    assert.equal(result.log.timestamp, Date.UTC(2025, 0, 15, 10, 30, 45));
    assert.equal(result.log.level, 'ERROR');
    assert.deepEqual({ ...result.log.metadata }, { request_id: 'req_123' });
  });

  it('fills defaults: now, INFO, empty labels', () => {
    const result = validateLog({ org: 'acme', message: 'hello' }, null, NOW);
    assert.ok(result.ok);
    assert.equal(result.log.timestamp, NOW);
    assert.equal(result.log.level, 'INFO');
    assert.equal(result.log.service, '');
  });

  it('accepts epoch milliseconds', () => {
    const result = validateLog({ org: 'a', message: 'm', timestamp: 1736937045123 }, null, NOW);
    assert.ok(result.ok);
    assert.equal(result.log.timestamp, 1736937045123);
  });

  it('stores nested metadata as JSON text, scalars as text, drops nulls', () => {
    const result = validateLog(
      {
        org: 'a',
        message: 'm',
        metadata: { n: 3, b: true, nested: { x: [1, 2] }, gone: null, __proto__x: 'p' },
      },
      null,
      NOW,
    );
    assert.ok(result.ok);
    assert.deepEqual(
      { ...result.log.metadata },
      { n: '3', b: 'true', nested: '{"x":[1,2]}', __proto__x: 'p' },
    );
  });

  it('keeps a "__proto__" metadata key as data', () => {
    const input = JSON.parse('{"org":"a","message":"m","metadata":{"__proto__":"x"}}') as unknown;
    const result = validateLog(input, null, NOW);
    assert.ok(result.ok);
    assert.equal(result.log.metadata['__proto__'], 'x');
    assert.equal(Object.getPrototypeOf(result.log.metadata), null);
  });

  const cases: Array<[string, unknown, string, string]> = [
    ['not an object', 'hello', '', 'NOT_AN_OBJECT'],
    ['an array', [1], '', 'NOT_AN_OBJECT'],
    ['missing org', { message: 'm' }, 'org', 'MISSING_FIELD'],
    ['empty org', { org: '  ', message: 'm' }, 'org', 'EMPTY_FIELD'],
    ['numeric org', { org: 7, message: 'm' }, 'org', 'INVALID_TYPE'],
    ['missing message', { org: 'a' }, 'message', 'MISSING_FIELD'],
    ['empty message', { org: 'a', message: '' }, 'message', 'EMPTY_FIELD'],
    ['object message', { org: 'a', message: { text: 'x' } }, 'message', 'INVALID_TYPE'],
    ['bad timestamp', { org: 'a', message: 'm', timestamp: 'yesterday' }, 'timestamp', 'INVALID_TIMESTAMP'],
    [
      'impossible date',
      { org: 'a', message: 'm', timestamp: '2025-02-30T00:00:00Z' },
      'timestamp',
      'INVALID_TIMESTAMP',
    ],
    ['boolean timestamp', { org: 'a', message: 'm', timestamp: true }, 'timestamp', 'INVALID_TYPE'],
    ['negative epoch', { org: 'a', message: 'm', timestamp: -5 }, 'timestamp', 'INVALID_TIMESTAMP'],
    // Date.UTC would have read the year as 1975 and stored it there.
    [
      'year 0075',
      { org: 'a', message: 'm', timestamp: '0075-06-15T12:00:00Z' },
      'timestamp',
      'INVALID_TIMESTAMP',
    ],
    [
      'year 2300',
      { org: 'a', message: 'm', timestamp: '2300-01-01T00:00:00Z' },
      'timestamp',
      'INVALID_TIMESTAMP',
    ],
    ['numeric level', { org: 'a', message: 'm', level: 3 }, 'level', 'INVALID_TYPE'],
    ['array service', { org: 'a', message: 'm', service: ['x'] }, 'service', 'INVALID_TYPE'],
    ['metadata string', { org: 'a', message: 'm', metadata: 'x=1' }, 'metadata', 'INVALID_TYPE'],
    ['metadata array', { org: 'a', message: 'm', metadata: ['x'] }, 'metadata', 'INVALID_TYPE'],
    // Found by the HTTP fuzzer: JSON.stringify overflowed the stack on it, a 500.
    [
      'metadata nested 10,000 levels deep',
      {
        org: 'a',
        message: 'm',
        metadata: { k: JSON.parse('['.repeat(10_000) + ']'.repeat(10_000)) as unknown },
      },
      'metadata',
      'TOO_LARGE',
    ],
  ];
  for (const [name, input, field, code] of cases) {
    it(`rejects ${name} naming field "${field}" and the index`, () => {
      const problem = problemOf(input, 4);
      assert.equal(problem.field, field);
      assert.equal(problem.code, code);
      assert.equal(problem.index, 4);
    });
  }
});

describe('parseIsoTimestamp', () => {
  it('reads offsets, fractions and a missing zone as UTC', () => {
    assert.equal(parseIsoTimestamp('2025-01-15T10:30:45Z'), Date.UTC(2025, 0, 15, 10, 30, 45));
    assert.equal(parseIsoTimestamp('2025-01-15T10:30:45.123456Z'), Date.UTC(2025, 0, 15, 10, 30, 45, 123));
    assert.equal(parseIsoTimestamp('2025-01-15T12:30:45+02:00'), Date.UTC(2025, 0, 15, 10, 30, 45));
    assert.equal(parseIsoTimestamp('2025-01-15T05:30:45-0500'), Date.UTC(2025, 0, 15, 10, 30, 45));
    assert.equal(parseIsoTimestamp('2025-01-15 10:30:45'), Date.UTC(2025, 0, 15, 10, 30, 45));
    assert.equal(parseIsoTimestamp('2025-01-15'), Date.UTC(2025, 0, 15));
  });
  it('reads the year as written, years 0-99 included', () => {
    const year75 = new Date(0);
    year75.setUTCFullYear(75, 5, 15);
    year75.setUTCHours(12, 0, 0, 0);
    assert.equal(parseIsoTimestamp('0075-06-15T12:00:00Z'), year75.getTime());
    assert.equal(new Date(parseIsoTimestamp('0075-06-15T12:00:00Z')!).getUTCFullYear(), 75);
    assert.equal(
      parseIsoTimestamp('0000-02-29'),
      Date.parse('0000-02-29T00:00:00Z'),
      'year 0 is a leap year',
    );
  });
  it('rejects what is not a date-time', () => {
    for (const text of [
      '',
      'now',
      '15/01/2025',
      '2025-13-01',
      '2025-01-15T24:00:00Z',
      '2025-01-15T10:30:45+25:00',
    ]) {
      assert.equal(parseIsoTimestamp(text), undefined, text);
    }
  });
});
