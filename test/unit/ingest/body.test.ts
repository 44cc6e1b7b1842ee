import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../src/errors.ts';
import { logsFromJson, logsFromNdjson, MalformedLine, parseJsonBody } from '../../../src/ingest/body.ts';

describe('request bodies', () => {
  it('tells a single log from a batch', () => {
    assert.equal(logsFromJson({ org: 'a', message: 'm' }).single, true);
    const batch = logsFromJson({ logs: [{}, {}] });
    assert.equal(batch.single, false);
    assert.equal(batch.items.length, 2);
    assert.equal(logsFromJson([{}, {}, {}]).items.length, 3);
  });

  it('rejects logs that is not an array and bodies that are not objects', () => {
    assert.throws(
      () => logsFromJson({ logs: {} }),
      (e: unknown) => e instanceof BadRequestError && e.problems[0]?.field === 'logs',
    );
    assert.throws(
      () => logsFromJson(42),
      (e: unknown) => e instanceof BadRequestError && e.code === 'NOT_AN_OBJECT',
    );
  });

  it('names malformed JSON', () => {
    assert.throws(
      () => parseJsonBody('{"org": "a",'),
      (e: unknown) => e instanceof BadRequestError && e.code === 'MALFORMED_JSON',
    );
  });

  it('reads NDJSON line by line, skipping blank lines, keeping line numbers', () => {
    const body = logsFromNdjson('{"org":"a","message":"1"}\n\n{broken\n{"org":"a","message":"3"}\n');
    assert.equal(body.items.length, 3);
    assert.deepEqual(body.indexes, [0, 2, 3]);
    assert.ok(body.items[1] instanceof MalformedLine);
  });
});
