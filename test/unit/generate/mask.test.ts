import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generaliseToken, hasConstantText, maskToken } from '../../../src/generate/builtin/index.ts';
import { maskTokens } from '../../../src/generate/builtin/mask.ts';

describe('maskToken', () => {
  const cases: Array<[string, string]> = [
    ['42', '<*>'],
    ['-3.5', '<*>'],
    ['30s', '<*>s'],
    ['uid=0', 'uid=<*>'],
    ['(uid=509)', '(uid=<*>)'],
    ['0x00544ea8,', '<*>,'],
    ['df0798e', '<*>'],
    ['/10.250.19.102:54106', '<*>'],
    ['10.251.126.255:50010:Got', '<*>:Got'],
    ['msra-sa-41:8030.', '<*>.'],
    ['[DFSClient_NONMAPREDUCE_1537864556_1]', '[<*>]'],
    ['blk_-1608999687919862906', '<*>'],
    ['core.2275', 'core.<*>'],
    ['node-12', 'node-<*>'],
    ['/etc/httpd/conf/workers2.properties', '<*>'],
    ['hdfs://10.0.0.1:9000/pjhe/test/1,', '<*>,'],
    ['ret:false', 'ret:<*>'],
    ['3b2a1f9c-8c4e-4b0a-9f5e-7d1c2b3a4e5f', '<*>'],
    ['ssh2', 'ssh2'],
    ['jk2_init()', 'jk2_init()'],
    ['alt0', 'alt0'],
    ['Connection', 'Connection'],
  ];
  for (const [token, masked] of cases) {
    it(`masks ${token} as ${masked}`, () => assert.equal(maskToken(token), masked));
  }
});

describe('maskTokens', () => {
  it('collapses a written-out date and a size with its unit', () => {
    assert.deepEqual(maskTokens('connection at Fri Jun 17 20:55:07 2005 ok'.split(' ')), [
      'connection',
      'at',
      '<*>',
      'ok',
    ]);
    assert.deepEqual(maskTokens('size 5.2 KB, free 1 MB)'.split(' ')), ['size', '<*>,', 'free', '<*>)']);
  });
});

describe('generaliseToken', () => {
  it('keeps equal tokens and the punctuation-bounded parts two tokens share', () => {
    assert.equal(generaliseToken('ok', 'ok'), 'ok');
    assert.equal(generaliseToken('user=root', 'user=guest'), 'user=<*>');
    assert.equal(generaliseToken('node-D7', 'node-D0'), 'node-<*>');
    assert.equal(generaliseToken('setLightsOn(true)', 'setLightsOn(false)'), 'setLightsOn(<*>)');
    assert.equal(generaliseToken('10', '12'), '<*>');
    assert.equal(generaliseToken('uid=<*>', 'uid=<*>'), 'uid=<*>');
    assert.equal(generaliseToken('<*>', 'anything'), '<*>');
  });

  it('never lets prefix and suffix overlap in a short token', () => {
    assert.equal(generaliseToken('a.b', 'a.c.b'), 'a.<*>');
  });
});

describe('hasConstantText', () => {
  it('rejects templates made only of variables and punctuation', () => {
    assert.equal(hasConstantText(['<*>', '<*>:<*>', '[<*>]']), false);
    assert.equal(hasConstantText(['<*>', 'done']), true);
  });
});
