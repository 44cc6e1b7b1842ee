import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestError } from '../../../src/errors.ts';
import { DEFAULT_INDEX, parseBulk, TooManyItems } from '../../../src/protocols/elasticsearch/bulk.ts';
import { documentToLog, MAX_FLATTEN_DEPTH } from '../../../src/protocols/elasticsearch/document.ts';

describe('Elasticsearch documents as logs', () => {
  it('takes message, else log, else msg; a structured log is metadata', () => {
    assert.equal(documentToLog('o', { message: 'm', log: 'l', msg: 'x' })['message'], 'm');
    const fromLog = documentToLog('o', { log: 'l', msg: 'x' });
    assert.equal(fromLog['message'], 'l');
    assert.deepEqual({ ...(fromLog['metadata'] as object) }, { msg: 'x' });
    const ecs = documentToLog('o', { msg: 'x', log: { level: 'debug', logger: 'main' } });
    assert.equal(ecs['message'], 'x');
    assert.equal(ecs['level'], 'debug');
    assert.deepEqual({ ...(ecs['metadata'] as object) }, { 'log.logger': 'main' });
    assert.equal(documentToLog('o', { message: 42 })['message'], undefined);
  });

  it('prefers dotted keys to nested objects, ECS names to plain ones', () => {
    const log = documentToLog('o', {
      'service.name': 'dotted',
      service: { name: 'nested', version: '1.2' },
      host: 'plain',
      level: 'info',
      'log.level': 'error',
    });
    assert.equal(log['service'], 'dotted');
    assert.equal(log['host'], 'plain');
    assert.equal(log['level'], 'error');
    assert.deepEqual(
      { ...(log['metadata'] as object) },
      {
        'service.name': 'nested',
        'service.version': '1.2',
        level: 'info',
      },
    );
  });

  it('reads @timestamp, else timestamp, epoch milliseconds in a string too', () => {
    assert.equal(documentToLog('o', { '@timestamp': '1700000000000' })['timestamp'], 1_700_000_000_000);
    assert.equal(
      documentToLog('o', { '@timestamp': '2026-01-01T00:00:00Z', timestamp: 5 })['timestamp'],
      '2026-01-01T00:00:00Z',
    );
    assert.equal(documentToLog('o', { timestamp: 5 })['timestamp'], 5);
  });

  it('keeps a hostile key an ordinary key and stops flattening at a depth', () => {
    const doc = JSON.parse('{"message":"m","__proto__":{"polluted":1},"constructor":"c"}') as Record<
      string,
      unknown
    >;
    const metadata = documentToLog('o', doc)['metadata'] as Record<string, unknown>;
    assert.equal(metadata['__proto__.polluted'], 1);
    assert.equal(metadata['constructor'], 'c');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    let deep: Record<string, unknown> = { leaf: 'v' };
    for (let i = 0; i < MAX_FLATTEN_DEPTH + 5; i++) deep = { d: deep };
    const flat = documentToLog('o', { message: 'm', deep })['metadata'] as Record<string, unknown>;
    const [key] = Object.keys(flat);
    assert.equal(key!.split('.').length, MAX_FLATTEN_DEPTH + 1);
    assert.equal(typeof flat[key!], 'object', 'left as a value: its JSON text is stored');
  });
});

describe('Bulk bodies', () => {
  it('reads actions and documents, ids and indexes, delete without a document', () => {
    const items = parseBulk(
      '{"create":{"_index":"a","_id":7}}\n{"message":"m"}\n\n{"delete":{"_id":"d"}}\r\n{"index":{}}\n"text"',
      'p',
      10,
    );
    assert.deepEqual(items, [
      { action: 'create', index: 'a', id: '7', document: { message: 'm' } },
      { action: 'delete', index: 'p', id: 'd', document: undefined },
      {
        action: 'index',
        index: 'p',
        id: undefined,
        document: 'the document must be a JSON object, got string',
      },
    ]);
    assert.equal(parseBulk('{"create":{}}\n{}\n', undefined, 1)[0]!.index, DEFAULT_INDEX);
  });

  it('refuses a malformed action line, and stops counting at the limit', () => {
    for (const body of [
      '{',
      '{"x":{}}\n{}',
      '{"create":[]}\n{}',
      '{"create":{"_index":1}}\n{}',
      '{"create":{}}\n',
    ]) {
      assert.throws(
        () => parseBulk(body, undefined, 10),
        (err: unknown) => {
          assert.ok(err instanceof BadRequestError);
          assert.equal(err.code, 'MALFORMED_BULK');
          return true;
        },
      );
    }
    assert.throws(() => parseBulk('{"delete":{}}\n'.repeat(3), undefined, 2), TooManyItems);
  });
});
