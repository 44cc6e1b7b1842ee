import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browsableOrigin, startLine } from '../../../src/cli/start-line.ts';

describe('the start line', () => {
  it('names addresses a browser on this machine can open, also when bound to every interface', () => {
    assert.equal(browsableOrigin('0.0.0.0', 3002), 'http://localhost:3002');
    assert.equal(browsableOrigin('::', 3002), 'http://localhost:3002');
    assert.equal(browsableOrigin('127.0.0.1', 8080), 'http://127.0.0.1:8080');
    assert.equal(browsableOrigin('::1', 3002), 'http://[::1]:3002');
    const line = startLine('0.0.0.0', 3002, 'standalone');
    assert.equal(line.fields.ui, 'http://localhost:3002/ui');
    assert.equal(line.fields.docs, 'http://localhost:3002/docs');
    assert.match(
      line.message,
      /0\.0\.0\.0:3002 \(standalone\).*http:\/\/localhost:3002\/ui.*http:\/\/localhost:3002\/docs/,
    );
  });

  it('sends no one to a page a process does not serve (a matcher alone)', () => {
    const line = startLine('0.0.0.0', 3002, 'Kafka mode (kafka:9092), roles: matcher', false);
    assert.deepEqual(line.fields, { port: 3002, host: '0.0.0.0' });
    assert.doesNotMatch(line.message, /\/ui|\/docs/);
    assert.match(line.message, /GET \/health, \/stats and \/metrics/);
  });
});
