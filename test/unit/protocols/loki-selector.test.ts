import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lokiStep, lokiTime } from '../../../src/protocols/loki/patterns.ts';
import { parseSelector } from '../../../src/protocols/loki/selector.ts';

describe('the Loki patterns API: selectors, times and steps', () => {
  it('maps labels to the columns they came from, other labels to metadata', () => {
    assert.deepEqual(parseSelector('{service_name="api", detected_level=~"warn|error", env!=`dev`}'), [
      { column: 'service', op: '=', value: 'api' },
      { column: 'level', op: '=~', value: 'warn|error' },
      { column: 'metadata', key: 'env', op: '!=', value: 'dev' },
    ]);
    assert.deepEqual(parseSelector(' {} '), []);
    assert.deepEqual(parseSelector('{app="a\\"b\\\\"}'), [{ column: 'service', op: '=', value: 'a"b\\' }]);
  });

  it('refuses what is not a bare selector, and more matchers than the bound', () => {
    for (const text of [
      'service_name="api"',
      '{service_name="api"} |= "x"',
      '{a=b}',
      '{a="b"',
      'x{a="b"}',
      '{a=~"("}',
      '{a=~"(?=x)"}',
      '{a!~"(a)\\\\1"}',
    ]) {
      assert.throws(() => parseSelector(text), /INVALID_QUERY|query:/, text);
    }
    const many = `{${Array.from({ length: 40 }, (_, i) => `l${i}="v"`).join(',')}}`;
    assert.throws(() => parseSelector(many), /more than 32 matchers/);
  });

  it('reads times as Loki does: RFC 3339, Unix seconds, or nanoseconds; steps as durations or seconds', () => {
    const ms = Date.UTC(2026, 11, 7, 12, 0, 0);
    assert.equal(lokiTime('2026-12-07T12:00:00Z', 'start'), ms);
    assert.equal(lokiTime(String(ms / 1000), 'start'), ms);
    assert.equal(lokiTime(`${ms / 1000}.5`, 'start'), ms + 500);
    assert.equal(lokiTime(`${BigInt(ms) * 1_000_000n}`, 'start'), ms);
    assert.throws(() => lokiTime('yesterday', 'start'), /start/);
    assert.equal(lokiStep('5m'), 300_000);
    assert.equal(lokiStep('30'), 30_000);
    assert.throws(() => lokiStep('10ms'), /at least 1s/);
  });
});
