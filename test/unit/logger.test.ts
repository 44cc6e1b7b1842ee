import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { chooseLogFormat, createLogger } from '../../src/logger.ts';

/** A destination that keeps what the logger wrote. */
function captured(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  // Colours (a test run from a terminal) are escape sequences around the words.
  return { stream, text: () => text.replace(/\x1b\[[0-9;]*m/g, '') };
}

describe('the service log format', () => {
  it('is readable text on a terminal and JSON lines on a pipe, unless LOG_FORMAT says which', () => {
    assert.equal(chooseLogFormat('auto', true), 'pretty');
    assert.equal(chooseLogFormat('auto', false), 'json');
    assert.equal(chooseLogFormat('json', true), 'json');
    assert.equal(chooseLogFormat('pretty', false), 'pretty');
  });

  it('writes one JSON object per line in json, and a line a person reads in pretty', () => {
    const json = captured();
    createLogger('info', json.stream, 'json').info({ port: 3002 }, 'listening');
    const line = JSON.parse(json.text()) as { msg: string; port: number; level: number };
    assert.equal(line.msg, 'listening');
    assert.equal(line.port, 3002);

    const pretty = captured();
    createLogger('info', pretty.stream, 'pretty').info({ port: 3002 }, 'listening');
    const text = pretty.text();
    assert.match(text, /INFO.*listening/);
    assert.match(text, /port: 3002/);
    assert.throws(() => JSON.parse(text), SyntaxError, 'not JSON');
  });

  it('redacts secrets in pretty as in json', () => {
    const pretty = captured();
    createLogger('info', pretty.stream, 'pretty').info({ llm: { apiKey: 'sk-secret' } }, 'configured');
    assert.doesNotMatch(pretty.text(), /sk-secret/);
    assert.match(pretty.text(), /\[redacted\]/);
  });
});
