import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineFields, lineFieldsFor } from '../../../src/ingest/line-fields.ts';

/** The arrival: 7 December 2026, noon UTC. */
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);

/** What the header of `line` gives, as an ISO time and a level ('' for none). */
function read(line: string): { time: string; level: string } {
  const found = lineFields(line, NOW, true, true);
  return {
    time: found.timestamp === undefined ? '' : new Date(found.timestamp).toISOString(),
    level: found.level ?? '',
  };
}

describe('lineFields: the timestamp and level of a line header', () => {
  const cases: Array<[string, string, string, string]> = [
    [
      'ISO 8601 with a space, log4j comma',
      '2015-10-18 18:01:47,978 INFO [main] org.example.App: Created',
      '2015-10-18T18:01:47.978Z',
      'INFO',
    ],
    [
      'ISO 8601 with T, zone',
      '2024-03-01T10:00:00.5+02:00 ERROR db: down',
      '2024-03-01T08:00:00.500Z',
      'ERROR',
    ],
    ['ISO 8601 without seconds', '2024-03-01T10:00Z WARN x', '2024-03-01T10:00:00.000Z', 'WARN'],
    [
      'ISO 8601 in brackets (env_logger)',
      '[2017-11-09T02:12:24Z ERROR main] boom',
      '2017-11-09T02:12:24.000Z',
      'ERROR',
    ],
    [
      'Zookeeper: separators around the level',
      '2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification',
      '2015-07-29T17:41:44.747Z',
      'INFO',
    ],
    [
      'Python logging: a name between separators',
      '2024-01-02 03:04:05,123 - myapp.db - WARNING - slow query',
      '2024-01-02T03:04:05.123Z',
      'WARNING',
    ],
    [
      'Spark yy/MM/dd',
      '17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered',
      '2017-06-09T20:10:40.000Z',
      'INFO',
    ],
    [
      'nginx yyyy/MM/dd, [error]',
      '2024/01/02 03:04:05 [error] 123#0: *1 open() failed',
      '2024-01-02T03:04:05.000Z',
      'ERROR',
    ],
    [
      'syslog, this year',
      'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown',
      '2026-06-14T15:16:01.000Z',
      '',
    ],
    [
      'syslog, day padded with a space',
      'Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: ARPT: 620701.011328',
      '2026-07-01T09:00:55.000Z',
      '',
    ],
    [
      'syslog, a later month is last year',
      'Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping',
      '2025-12-10T06:55:46.000Z',
      '',
    ],
    [
      'Apache [ctime] [notice]',
      '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok',
      '2005-12-04T04:47:44.000Z',
      'NOTICE',
    ],
    [
      'Apache [ctime] [error]',
      '[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6',
      '2005-12-04T04:47:44.000Z',
      'ERROR',
    ],
    [
      'common log format, its zone',
      '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326',
      '2000-10-10T20:55:36.000Z',
      '',
    ],
    [
      'HealthApp yyyyMMdd-HH:mm:ss:SSS|',
      '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
      '2017-12-23T22:15:29.606Z',
      '',
    ],
    [
      'HDFS yyMMdd HHmmss',
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1',
      '2008-11-09T20:36:15.000Z',
      'INFO',
    ],
    [
      'a file name before the time (OpenStack)',
      'nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.wsgi',
      '2017-05-16T00:00:00.008Z',
      'INFO',
    ],
    [
      'epoch seconds, first token after -',
      '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 RAS KERNEL INFO cache',
      '2005-06-03T22:42:50.000Z',
      '',
    ],
    ['epoch milliseconds', '1700000000123 [main] started', '2023-11-14T22:13:20.123Z', ''],
    [
      'logcat threadtime: a lone letter before Tag:',
      '03-17 16:13:38.811  1702  2395 D WindowManager: printFreezing',
      '2026-03-17T16:13:38.811Z',
      'DEBUG',
    ],
    ['logcat brief: W/Tag(pid)', 'W/ActivityManager(  585): Unable to start service', '', 'WARN'],
    [
      'Windows CBS: a capitalised level right after the time',
      '2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack',
      '2016-09-28T04:30:30.000Z',
      'INFO',
    ],
    ['logfmt', 'time=2024-01-02T03:04:05Z level=warn msg="disk at 91%"', '2024-01-02T03:04:05.000Z', 'WARN'],
    ['a level alone, upper case', 'ERROR: could not connect', '', 'ERROR'],
    ['a level framed by a colon, lower case', 'error: connection refused', '', 'ERROR'],
    ['Python default format', 'WARNING:root:disk almost full', '', 'WARNING'],
    ['ERR is ERROR, SEVERE is ERROR', 'SEVERE [main] boom', '', 'ERROR'],
    ['CRITICAL', '[CRITICAL] disk gone', '', 'CRITICAL'],
  ];
  for (const [what, line, time, level] of cases) {
    it(what, () => assert.deepEqual(read(line), { time, level }));
  }
});

describe('lineFields: what is not a header', () => {
  const none: Array<[string, string]> = [
    ['a level word in the middle of a message', 'no ERROR found in the last run'],
    ['a level word after a word of the message', 'Disk check: WARN threshold passed'],
    ['a capitalised level word that begins a sentence', 'Error connecting to db'],
    ['another one', 'Trace route computed'],
    ['a level after a bare number (no header)', '5 ERROR lines found'],
    ['a number that is not a time', '12345 connections open'],
    ['a 10-digit number followed by words (an id, a count)', '1234567890 rows copied'],
    ['an epoch number in the future', '9999999999 1 2'],
    ['a date without a time', '2024-03-01 report ready'],
    ['a month that does not exist', '2024-13-01 10:00:00 x'],
    ['a day that does not exist', '2024-02-30 10:00:00 x'],
    ['an hour that does not exist', '2024-02-03 24:00:00 x'],
    ['a month name that begins a sentence', 'May I help you'],
    ['I/O is no logcat level', 'I/O error on /dev/sda'],
    ['a word in mixed case', 'eRRor: x'],
    ['a level word glued to more', 'ERR_CONNECTION_REFUSED while fetching'],
    ['a JSON document', '{"level":"error","msg":"x"}'],
    ['a time beyond the header', `${'word '.repeat(20)}2024-03-01 10:00:00 ERROR`],
  ];
  for (const [what, line] of none) {
    it(what, () => assert.deepEqual(read(line), { time: '', level: '' }));
  }

  it('a lone capital after a time is no logcat level unless a Tag: follows', () => {
    assert.deepEqual(read('2024-01-01 12:00:00 A user logged in'), {
      time: '2024-01-01T12:00:00.000Z',
      level: '',
    });
    assert.deepEqual(read('2024-01-01 12:00:00 I think so'), { time: '2024-01-01T12:00:00.000Z', level: '' });
  });

  it('a 64 KB line without a space, or of digits, is no header (and is not read to its end)', () => {
    for (const line of [
      'x'.repeat(65_536),
      '1'.repeat(65_536),
      `[${'a'.repeat(65_536)}`,
      ' '.repeat(65_536),
    ]) {
      assert.deepEqual(read(line), { time: '', level: '' });
    }
  });

  it('reads only what is asked for', () => {
    const line = '2015-10-18 18:01:47,978 INFO [main] x';
    assert.deepEqual(lineFields(line, NOW, false, true), { timestamp: undefined, level: 'INFO' });
    assert.deepEqual(lineFields(line, NOW, true, false), {
      timestamp: Date.UTC(2015, 9, 18, 18, 1, 47, 978),
      level: undefined,
    });
  });
});

describe('lineFieldsFor: the settings', () => {
  it('off: no org is read', () => assert.equal(lineFieldsFor({ on: false, offOrgs: [] }), undefined));
  it('on: every org but those listed', () => {
    const readsLines = lineFieldsFor({ on: true, offOrgs: ['legacy'] });
    assert.equal(readsLines?.('acme'), true);
    assert.equal(readsLines?.('legacy'), false);
  });
});
