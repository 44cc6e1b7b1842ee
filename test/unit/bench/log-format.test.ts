import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileLogFormat, cutContent, splitLines } from '../../../bench/accuracy/log-format.ts';

describe('LogHub log_format', () => {
  it('cuts the Content after the header fields', () => {
    const format = compileLogFormat('<Date> <Time> <Pid> <Level> <Component>: <Content>');
    assert.deepEqual(format.fields, ['Date', 'Time', 'Pid', 'Level', 'Component', 'Content']);
    assert.equal(
      cutContent(
        format,
        '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block x: y',
      ),
      'PacketResponder 1 for block x: y',
    );
  });

  it('treats the text between fields as a regular-expression fragment, not as literal text', () => {
    const apache = compileLogFormat('\\[<Time>\\] \\[<Level>\\] <Content>');
    assert.equal(
      cutContent(apache, '[Sun Dec 04 04:47:44 2005] [error] mod_jk child [x] 6'),
      'mod_jk child [x] 6',
    );
    const health = compileLogFormat('<Time>\\|<Component>\\|<Pid>\\|<Content>');
    assert.equal(cutContent(health, '20171223-22:15:29:606|Step_LSC|30002312| onExtend 14'), ' onExtend 14');
  });

  it('keeps optional parts optional', () => {
    const linux = compileLogFormat('<Month> <Date> <Time> <Level> <Component>(\\[<PID>\\])?: <Content>');
    assert.equal(cutContent(linux, 'Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass'), 'check pass');
    assert.equal(cutContent(linux, 'Jun 15 04:06:18 combo su: session opened'), 'session opened');
  });

  it('lets a run of spaces in the format match any run of whitespace', () => {
    const android = compileLogFormat('<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>');
    assert.equal(cutContent(android, '03-17 16:13:38.811  1702  2395 D WindowManager: a b'), 'a b');
    assert.equal(cutContent(android, '03-17 16:13:38.811 1702\t 2395 D WindowManager: a b'), 'a b');
  });

  it('matches the trimmed line, so Content loses trailing but keeps inner spacing', () => {
    const format = compileLogFormat('<Level> <Content>');
    assert.equal(cutContent(format, '  INFO a  b   '), 'a  b');
  });

  it('returns undefined for a line without the format', () => {
    const format = compileLogFormat('\\[<Time>\\] <Content>');
    assert.equal(cutContent(format, 'no brackets here'), undefined);
  });

  it('refuses a format without Content or with a repeated field', () => {
    assert.throws(() => compileLogFormat('<Date> <Time>'), /no <Content>/);
    assert.throws(() => compileLogFormat('<A> <A> <Content>'), /repeated/);
  });

  it('splits a log into lines without an empty last one', () => {
    assert.deepEqual(splitLines('a\nb\r\nc\n'), ['a', 'b', 'c']);
    assert.deepEqual(splitLines('a\n\nb'), ['a', '', 'b']);
    assert.deepEqual(splitLines(''), []);
  });
});
