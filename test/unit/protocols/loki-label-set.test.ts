import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelSetError, MAX_LABELS, parseLabelSet } from '../../../src/protocols/loki/label-set.ts';
import { streamFields, toLog } from '../../../src/protocols/loki/fields.ts';

describe('a Loki stream label set', () => {
  it('reads the text Promtail and Alloy write (Go strconv.Quote values), in order', () => {
    assert.deepEqual(parseLabelSet('{app="api", level="warn"}'), [
      ['app', 'api'],
      ['level', 'warn'],
    ]);
    assert.deepEqual(parseLabelSet(' { job = "a/b" ,env="prod", } '), [
      ['job', 'a/b'],
      ['env', 'prod'],
    ]);
    assert.deepEqual(parseLabelSet('{}'), []);
  });

  it("decodes Go's escapes", () => {
    assert.deepEqual(parseLabelSet(String.raw`{a="say \"hi\"", b="C:\\temp", c="x\ny\tz"}`), [
      ['a', 'say "hi"'],
      ['b', 'C:\\temp'],
      ['c', 'x\ny\tz'],
    ]);
    assert.deepEqual(parseLabelSet(String.raw`{a="\u00e9\U0001F4A5\x41\101", b='it\'s', c=` + '`raw\\n`}'), [
      ['a', 'é💥AA'],
      ['b', "it's"],
      ['c', 'raw\\n'],
    ]);
    assert.deepEqual(parseLabelSet('{a="é 💥"}'), [['a', 'é 💥']]);
  });

  it('accepts quoted (UTF-8) label names, as Prometheus 3 does, and leaves out empty values as Loki does', () => {
    assert.deepEqual(parseLabelSet('{"service.name"="api", empty=""}'), [['service.name', 'api']]);
  });

  it('refuses what is not a label set, naming where', () => {
    const bad = [
      '',
      'app="x"',
      '{app="x"',
      '{app=x}',
      '{app="x}',
      '{app="x" env="y"}',
      '{1app="x"}',
      '{app!="x"}',
      '{app=~"x"}',
      '{,}',
      '{app="x"}}',
      '{app="x"} trailing',
      '{app="a", app="b"}',
      '{a="\\q"}',
      '{a="\\u12"}',
      '{a="\\ud800"}',
      '{a="\\U00110000"}',
      '{a="\\xff"}',
      '{a="line\nbreak"}',
      '{""="x"}',
      '{a="\\',
    ];
    for (const text of bad) {
      assert.throws(() => parseLabelSet(text), LabelSetError, JSON.stringify(text));
    }
    assert.throws(() => parseLabelSet('{app=x}'), /expected a quoted value at offset 5/);
  });

  it('is bounded: too many labels are refused, a long hostile text is one linear pass', () => {
    const many = `{${Array.from({ length: MAX_LABELS + 1 }, (_, i) => `l${i}="v"`).join(',')}}`;
    assert.throws(() => parseLabelSet(many), /more than 256 labels/);
    const start = performance.now();
    assert.throws(() => parseLabelSet(`{a="${'\\\\'.repeat(2_000_000)}`), /unterminated/);
    assert.throws(() => parseLabelSet(`{${'a'.repeat(4_000_000)}`), /expected "="/);
    assert.ok(performance.now() - start < 2000);
  });
});

describe('Loki labels as our fields', () => {
  it('takes service, host and level by their first name present; the rest is metadata', () => {
    const fields = streamFields([
      ['job', 'varlogs'],
      ['app', 'checkout'],
      ['instance', 'web-1:9100'],
      ['hostname', 'web-1'],
      ['severity', 'error'],
      ['env', 'prod'],
    ]);
    assert.equal(fields.service, 'checkout');
    assert.equal(fields.host, 'web-1');
    assert.equal(fields.level, 'error');
    assert.deepEqual({ ...fields.metadata }, { job: 'varlogs', instance: 'web-1:9100', env: 'prod' });
  });

  it("takes the level from structured metadata when no label has one; an entry's metadata wins over a label", () => {
    const fields = streamFields([
      ['service_name', 'api'],
      ['env', 'prod'],
    ]);
    const log = toLog('acme', fields, 1234, 'hello', [
      ['detected_level', 'warn'],
      ['env', 'canary'],
      ['trace_id', 'abc'],
    ]) as { level: string; service: string; metadata: Record<string, string>; timestamp: number };
    assert.equal(log.level, 'warn');
    assert.equal(log.service, 'api');
    assert.equal(log.timestamp, 1234);
    assert.deepEqual({ ...log.metadata }, { env: 'canary', trace_id: 'abc' });
    assert.deepEqual({ ...fields.metadata }, { env: 'prod' }, "the stream's own metadata is not changed");
  });

  it('keeps a label named __proto__ as a label', () => {
    const fields = streamFields([['__proto__', 'x']]);
    assert.equal(fields.metadata['__proto__'], 'x');
    assert.equal(Object.getPrototypeOf(fields.metadata), null);
  });
});
