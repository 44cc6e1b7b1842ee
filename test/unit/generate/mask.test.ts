import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generaliseToken, maskToken } from '../../../src/generate/builtin/index.ts';
import { maskTokens } from '../../../src/generate/builtin/mask.ts';
import { DEFAULT_CHOICES } from '../../../src/generate/builtin/index.ts';

describe('maskToken', () => {
  const cases: Array<[string, string]> = [
    ['42', '<*>'],
    ['-3.5', '<*>'],
    ['30s', '<*>'],
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
    ['R02-M1-N0-C:J12-U11', '<*>'],
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
    assert.deepEqual(maskTokens('size 5.2 KB, free 1 MB)'.split(' ')), [
      'size',
      '<*>',
      'KB,',
      'free',
      '<*>',
      'MB)',
    ]);
    assert.deepEqual(
      maskTokens('size 5.2 KB, free 1 MB)'.split(' '), { ...DEFAULT_CHOICES, sizeCollapse: true }),
      ['size', '<*>,', 'free', '<*>)'],
    );
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

describe('maskTokens on lists and long tokens', () => {
  it('makes a run of one repeated token its first occurrence and one <*>', () => {
    assert.deepEqual(maskTokens('ping ping ping ping'.split(' ')), ['ping', '<*>']);
    assert.deepEqual(maskTokens('down node-1 node-2 node-3 now'.split(' ')), [
      'down',
      'node-<*>',
      '<*>',
      'now',
    ]);
    // Two are not a list; runs of <*> are left as they are.
    assert.deepEqual(maskTokens('ping ping'.split(' ')), ['ping', 'ping']);
    assert.deepEqual(maskTokens('fans 1 2 3 4'.split(' ')), ['fans', '<*>', '<*>', '<*>', '<*>']);
    assert.deepEqual(maskTokens('ping ping ping'.split(' '), { ...DEFAULT_CHOICES, repeatRun: 0 }), [
      'ping',
      'ping',
      'ping',
    ]);
  });

  it('takes a token longer than any word or name as one value', () => {
    const state = JSON.stringify(
      Object.fromEntries(Array.from({ length: 40 }, (_, j) => [`key${j}`, `v${j}`])),
    );
    assert.ok(state.length > 256);
    assert.deepEqual(maskTokens(['state', state]), ['state', '<*>']);
  });
});

describe('maskTokens on line headers', () => {
  const mask = (line: string) => maskTokens(line.split(' ').filter((token) => token !== ''));

  it('makes a written-out date one <*>, keeping its brackets, so weekdays and months do not split', () => {
    assert.deepEqual(mask('[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok'), [
      '[<*>]',
      '[notice]',
      'workerEnv.init()',
      'ok',
    ]);
    assert.deepEqual(mask('Jun 14 15:16:01 combo sshd[19939]: check pass'), [
      '<*>',
      'combo',
      '<*>:',
      'check',
      'pass',
    ]);
    // A day or month name without a clock is a word of the message.
    assert.deepEqual(mask('Release due in May'), ['Release', 'due', 'in', 'May']);
  });

  it("takes the bracketed thread name beside a header's level as one <*>", () => {
    assert.deepEqual(
      mask('2015-10-18 18:01:47,978 INFO [IPC Server handler 5 on 9000] org.example.App: ok'),
      ['<*>', '<*>,<*>', 'INFO', '[<*>]', 'org.example.App:', 'ok'],
    );
    assert.deepEqual(mask('12:00:01.042 [main] WARN org.example.App - slow'), [
      '<*>',
      '[<*>]',
      'WARN',
      'org.example.App',
      '-',
      'slow',
    ]);
    // Brackets in the message, away from a level, are the message's own.
    assert.deepEqual(mask('Received disconnect from host: Bye Bye [preauth]'), [
      'Received',
      'disconnect',
      'from',
      'host:',
      'Bye',
      'Bye',
      '[preauth]',
    ]);
  });

  it("takes a syslog header's program tag as one <*>: the same event comes from several programs", () => {
    const opened = 'session opened for user root by (uid=0)';
    const su = mask(`Jun 15 04:06:18 combo su(pam_unix)[21416]: ${opened}`);
    const sshd = mask(`Jun 15 12:12:34 combo sshd(pam_unix)[23397]: ${opened}`);
    assert.deepEqual(su, [
      '<*>',
      'combo',
      '<*>:',
      'session',
      'opened',
      'for',
      'user',
      'root',
      'by',
      '(uid=<*>)',
    ]);
    assert.deepEqual(sshd, su);
  });

  it('leaves a tag without a process id, one past the header, and the rule switched off alone', () => {
    assert.deepEqual(mask('combo kernel: Linux version up'), ['combo', 'kernel:', 'Linux', 'version', 'up']);
    const late = 'a b c d e f g h i sshd[12]:'.split(' ');
    assert.equal(maskTokens(late).at(-1), 'sshd[<*>]:');
    assert.deepEqual(maskTokens(['sshd[12]:', 'ok'], { ...DEFAULT_CHOICES, programTag: false }), [
      'sshd[<*>]:',
      'ok',
    ]);
  });
});
