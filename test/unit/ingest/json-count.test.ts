import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasMoreLogsThan } from '../../../src/ingest/json-count.ts';

const log = (k: number): string =>
  JSON.stringify({ org: 'acme', message: `line, ${k} [x] {y} "q"`, metadata: { a: [1, 2] } });
/** Padding so the body is long enough to be scanned (64 bytes per allowed log). */
const pad = ' '.repeat(64 * 10);

describe('counting the logs of a JSON body before parsing it', () => {
  it('counts the elements of a bare array and of the top-level "logs" array, not commas in strings or nested values', () => {
    const ten = Array.from({ length: 10 }, (_, k) => log(k)).join(',');
    assert.equal(hasMoreLogsThan(`[${ten}]${pad}`, 10), false);
    assert.equal(hasMoreLogsThan(`[${ten},${log(10)}]${pad}`, 10), true);
    assert.equal(hasMoreLogsThan(`{"logs":[${ten}]}${pad}`, 10), false);
    assert.equal(hasMoreLogsThan(`{"x":"logs","logs" : [${ten},${log(10)}]}${pad}`, 10), true);
    assert.equal(
      hasMoreLogsThan(`{"other":[${ten},${log(10)}]}${pad}`, 10),
      false,
      'another key is not the logs',
    );
  });

  it('stops at the first element past the limit: millions of tiny values are refused without reading them', () => {
    const body = `[${'0,'.repeat(2_000_000)}0]`;
    assert.equal(hasMoreLogsThan(body, 10), true);
  });

  it('does not scan a body too short to hold more than the limit of real logs', () => {
    assert.equal(
      hasMoreLogsThan(`[${'0,'.repeat(20)}0]`, 10),
      false,
      'JSON.parse and the count after it judge',
    );
  });

  it('reads escaped quotes inside strings as text', () => {
    const tricky = JSON.stringify({ org: 'a', message: 'say \\", then ], then [' });
    const body = `[${Array.from({ length: 10 }, () => tricky).join(',')}]${pad}`;
    assert.equal(hasMoreLogsThan(body, 10), false);
    assert.equal(hasMoreLogsThan(body, 9), true);
  });
});
