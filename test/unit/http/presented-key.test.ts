import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presentedKey } from '../../../src/http/api-keys.ts';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('the API key an Authorization header presents', () => {
  it('takes a bearer token, a Basic password (Loki clients) and an Elasticsearch ApiKey', () => {
    assert.equal(presentedKey('Bearer abc123'), 'abc123');
    assert.equal(presentedKey('bearer  abc123 '), 'abc123');
    assert.equal(presentedKey(`Basic ${b64('acme:the-key')}`), 'the-key');
    assert.equal(presentedKey(`Basic ${b64('user:pa:ss')}`), 'pa:ss', 'the password may hold a colon');
    assert.equal(presentedKey(`ApiKey ${b64('key-id:the-key')}`), 'the-key');
    assert.equal(presentedKey(`ApiKey ${b64('the-key')}`), 'the-key');
  });

  it('presents nothing for other schemes or a Basic value without a password', () => {
    assert.equal(presentedKey('Digest abc'), null);
    assert.equal(presentedKey('abc123'), null);
    assert.equal(presentedKey(`Basic ${b64('no-colon')}`), null);
    assert.equal(presentedKey('Bearer'), null);
  });
});
