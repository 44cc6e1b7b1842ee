import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  drain3Job,
  drain3Parsed,
  drain3Settings,
  parseDrain3Output,
} from '../../../bench/accuracy/peer-drain3.ts';
import { accuracy } from '../../../bench/metrics.ts';

describe('Drain3 peer: the job', () => {
  it('takes st, depth and the regex masks from a settings.json entry', () => {
    const entry = { log_format: '<Date> <Content>', regex: ['blk_-?\\d+'], st: 0.5, depth: 4 };
    assert.deepEqual(drain3Settings('HDFS', entry), { st: 0.5, depth: 4, regex: ['blk_-?\\d+'] });
    assert.deepEqual(drain3Settings('X', { st: 0.6, depth: 5 }), { st: 0.6, depth: 5, regex: [] });
  });

  it('refuses an entry Drain3 cannot be configured from', () => {
    assert.throws(() => drain3Settings('X', undefined), /no st/);
    assert.throws(() => drain3Settings('X', { st: 0, depth: 4 }), /no st/);
    assert.throws(() => drain3Settings('X', { st: 0.5, depth: 2 }), /depth/);
    assert.throws(() => drain3Settings('X', { st: 0.5, depth: 4.5 }), /depth/);
    assert.throws(() => drain3Settings('X', { st: 0.5, depth: 4, regex: 'a+' }), /regex/);
    assert.throws(() => drain3Settings('X', { st: 0.5, depth: 4, regex: [1] }), /regex/);
  });

  it('sends the lines in order with the settings and numeric tokens parametrized', () => {
    const lines = ['Received block blk_1 of size 3', 'with "quotes", \\ and\ttabs'];
    const job = JSON.parse(drain3Job(lines, { st: 0.5, depth: 4, regex: ['\\d+'] })) as unknown;
    assert.deepEqual(job, {
      lines,
      settings: { st: 0.5, depth: 4, regex: ['\\d+'] },
      parametrize_numeric_tokens: true,
    });
  });
});

describe("Drain3 peer: the runner's output", () => {
  const good = JSON.stringify({
    version: '0.9.11',
    clusters: [1, 2, 1],
    templates: ['open <*>', 'close', 'open <*>'],
    seconds: 0.01,
  });

  it('reads one cluster and one template per line', () => {
    assert.deepEqual(parseDrain3Output(good, 3), {
      version: '0.9.11',
      clusters: [1, 2, 1],
      templates: ['open <*>', 'close', 'open <*>'],
      seconds: 0.01,
    });
  });

  it('refuses output that is not JSON, incomplete or of the wrong shape', () => {
    assert.throws(() => parseDrain3Output('Traceback (most recent call last):', 3), /not JSON/);
    assert.throws(() => parseDrain3Output(good, 4), /4 lines sent, 3 clusters and 3 templates/);
    const bad = (patch: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(good), ...patch });
    assert.throws(() => parseDrain3Output(bad({ version: undefined }), 3), /no version/);
    assert.throws(() => parseDrain3Output(bad({ clusters: [1, '2', 1] }), 3), /clusters/);
    assert.throws(() => parseDrain3Output(bad({ templates: ['a', null, 'b'] }), 3), /templates/);
    assert.throws(() => parseDrain3Output(bad({ seconds: -1 }), 3), /seconds/);
    assert.throws(() => parseDrain3Output('null', 3), /no version/);
  });

  it('groups lines by template text, so two clusters with one final template are one group', () => {
    const output = parseDrain3Output(
      JSON.stringify({
        version: '0.9.11',
        clusters: [1, 2, 3],
        templates: ['a <*>', 'a <*>', 'b'],
        seconds: 0,
      }),
      3,
    );
    const parsed = drain3Parsed(output);
    assert.deepEqual(parsed, [
      { group: 'a <*>', template: 'a <*>' },
      { group: 'a <*>', template: 'a <*>' },
      { group: 'b', template: 'b' },
    ]);
    const score = accuracy(['a <*>', 'a <*>', 'b'], parsed);
    assert.equal(score.GA, 1);
    assert.equal(score.FTA, 1);
  });
});
