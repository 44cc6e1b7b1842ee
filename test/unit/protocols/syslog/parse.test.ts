import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSyslog } from '../../../../src/protocols/syslog/parse.ts';
import { readPriority } from '../../../../src/protocols/syslog/priority.ts';

const NOW = Date.UTC(2026, 11, 7, 14, 0, 0);
const parse = (text: string, now = NOW) => parseSyslog(text, 'acme', '10.0.0.9', now);
const meta = (text: string) => ({ ...parse(text).log.metadata });

describe('PRI', () => {
  it('reads facility and severity, and refuses what is no PRIVAL', () => {
    assert.deepEqual(readPriority('<0>x'), { level: 'EMERGENCY', facility: 'kern', end: 3 });
    assert.deepEqual(readPriority('<131>x'), { level: 'ERROR', facility: 'local0', end: 5 });
    assert.deepEqual(readPriority('<191>'), { level: 'DEBUG', facility: 'local7', end: 5 });
    for (const bad of ['<192>x', '<>x', '<01>x', '<1234>x', '<1a>x', '<13', '13>x', 'x']) {
      assert.equal(readPriority(bad), undefined, bad);
    }
  });
});

describe('RFC 5424', () => {
  it('maps the header: severity to level, app-name to service, hostname to host, the rest to metadata', () => {
    const { log, form } = parse(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 42 ID47 - An application event',
    );
    assert.equal(form, 'rfc5424');
    assert.deepEqual(
      { ...log, metadata: { ...log.metadata } },
      {
        org: 'acme',
        level: 'NOTICE',
        message: 'An application event',
        timestamp: Date.UTC(2003, 9, 11, 22, 14, 15, 3),
        host: 'mymachine.example.com',
        service: 'evntslog',
        metadata: { procid: '42', msgid: 'ID47', facility: 'local4' },
      },
    );
  });

  it('structured data with escapes, several elements, a repeated parameter, and a BOM before MSG', () => {
    const text =
      '<165>1 2003-10-11T22:14:15.003-07:00 host app - - [exampleSDID@32473 iut="3" eventSource="Application" ' +
      'eventID="1011"][meta q="a \\"quoted\\" \\\\ back\\]slash" odd="c:\\dir" r="1" r="2"] \uFEFFmessage with BOM';
    const { log } = parse(text);
    assert.equal(log.message, 'message with BOM');
    assert.equal(log.timestamp, Date.UTC(2003, 9, 12, 5, 14, 15, 3));
    assert.deepEqual(meta(text), {
      'sd.exampleSDID@32473.iut': '3',
      'sd.exampleSDID@32473.eventSource': 'Application',
      'sd.exampleSDID@32473.eventID': '1011',
      'sd.meta.q': 'a "quoted" \\ back]slash',
      'sd.meta.odd': 'c:\\dir',
      'sd.meta.r': '["1","2"]',
      facility: 'local4',
    });
  });

  it('NILVALUEs: no timestamp (receive time), no host (the sender address), no service, no message', () => {
    const { log } = parse('<14>1 - - - - - -');
    assert.equal(log.timestamp, undefined);
    assert.equal(log.host, '10.0.0.9');
    assert.equal(log.service, undefined);
    assert.equal(log.message, '');
    assert.deepEqual({ ...log.metadata }, { facility: 'user' });
  });

  it('trims the framing (LF, CRLF, NUL) but not the message', () => {
    assert.equal(parse('<14>1 - h a - - -  two spaces kept \r\n\0').log.message, ' two spaces kept ');
  });

  it('a malformed header or structured data falls back to RFC 3164: nothing is lost', () => {
    for (const text of [
      '<14>1 2003-10-11T22:14:15Z host app - - [unclosed x="1" message',
      '<14>1 2003-10-11T22:14:15Z host app - - [id x=1] message',
      '<14>1 not-a-time host app - - - message',
      '<14>1 2003-10-11T22:14:15Z host',
      '<14>1 2003-10-11T22:14:15Z host app - - -no-space',
    ]) {
      const { log, form } = parse(text);
      assert.equal(form, 'rfc3164', text);
      assert.equal(log.message, text.slice(4), text);
      assert.equal(log.level, 'INFO');
    }
  });
});

describe('RFC 3164', () => {
  it('timestamp, host, tag[pid]: as logger --rfc3164 writes it', () => {
    const { log, form } = parse('<30>Dec  7 13:58:28 vm myapp[123]: bsd udp');
    assert.equal(form, 'rfc3164');
    assert.equal(log.level, 'INFO');
    assert.equal(log.timestamp, Date.UTC(2026, 11, 7, 13, 58, 28));
    assert.equal(log.host, 'vm');
    assert.equal(log.service, 'myapp');
    assert.equal(log.message, 'bsd udp');
    assert.deepEqual({ ...log.metadata }, { procid: '123', facility: 'daemon' });
  });

  it('without a hostname (a tag right after the timestamp), the sender address is the host', () => {
    const { log } = parse('<13>Feb  5 17:32:18 sshd: Accepted publickey');
    assert.deepEqual([log.host, log.service, log.message], ['10.0.0.9', 'sshd', 'Accepted publickey']);
  });

  it('an RFC 3339 timestamp (RSYSLOG_ForwardFormat)', () => {
    const { log } = parse('<11>2026-12-07T13:58:28.513772+01:00 web1 nginx: upstream timed out');
    assert.equal(log.timestamp, Date.UTC(2026, 11, 7, 12, 58, 28, 513));
    assert.deepEqual(
      [log.level, log.host, log.service, log.message],
      ['ERROR', 'web1', 'nginx', 'upstream timed out'],
    );
  });

  it('the year: this one, or the last when the date would be over a day ahead', () => {
    const january = Date.UTC(2027, 0, 1, 0, 0, 5);
    assert.equal(
      parse('<13>Dec 31 23:59:59 h t: m', january).log.timestamp,
      Date.UTC(2026, 11, 31, 23, 59, 59),
    );
    assert.equal(parse('<13>Jan  1 00:00:01 h t: m', january).log.timestamp, Date.UTC(2027, 0, 1, 0, 0, 1));
    // A sender a few hours ahead is still this year.
    assert.equal(parse('<13>Dec  7 20:00:00 h t: m').log.timestamp, Date.UTC(2026, 11, 7, 20));
  });

  it('a date that does not exist is the receive time; the rest is still read', () => {
    const { log } = parse('<13>Feb 30 10:00:00 h t: m');
    assert.equal(log.timestamp, undefined);
    assert.deepEqual([log.host, log.service, log.message], ['h', 't', 'm']);
  });

  it('no timestamp: a tag if there is one, else the text after the PRI', () => {
    assert.deepEqual(
      [parse('<13>kernel: oops').log.service, parse('<13>kernel: oops').log.message],
      ['kernel', 'oops'],
    );
    const { log } = parse('<13>just some text: with a colon');
    assert.deepEqual(
      [log.service, log.host, log.message],
      [undefined, '10.0.0.9', 'just some text: with a colon'],
    );
  });
});

describe('not syslog', () => {
  it('a line without a PRI is kept whole, as user.notice, from the sender', () => {
    const { log, form } = parse('plain text line 42\n');
    assert.equal(form, 'unparsed');
    assert.deepEqual(
      { ...log, metadata: { ...log.metadata } },
      {
        org: 'acme',
        message: 'plain text line 42',
        level: 'NOTICE',
        host: '10.0.0.9',
        metadata: { facility: 'user' },
      },
    );
  });

  it('hostile text is data: keys stay keys, nothing throws', () => {
    const text = '<13>1 - - - - - [x __proto__="1" constructor="2"] m';
    const metadata = parse(text).log.metadata;
    assert.equal(metadata['sd.x.__proto__'], '1');
    assert.equal(Object.getPrototypeOf(metadata), null);
    for (const junk of [
      '<',
      '<>',
      '<13>',
      '<13>1',
      '<13>1 ',
      '\0\0',
      '[]',
      '<13>1 - - - - - [',
      '<13>1 - - - - - [a b="\\',
    ]) {
      assert.doesNotThrow(() => parse(junk), junk);
    }
  });
});
