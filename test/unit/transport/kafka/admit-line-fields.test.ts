// A JSON log produced straight to logs.raw without a timestamp or level is read like an HTTP
// one (the matcher admits it with the service's line-fields setting); the ingest role's own
// records carry both, so theirs are kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../../src/config.ts';
import type { LogRecord } from '../../../../src/model/log.ts';
import { admitLog } from '../../../../src/transport/kafka/admit.ts';
import type { KafkaMessage } from '../../../../src/transport/kafka/client/index.ts';
import { serdes } from '../../../../src/transport/kafka/connect.ts';
import { decodeRawRecord } from '../../../../src/transport/kafka/raw-formats.ts';

const LINE = '17/06/09 20:10:40 ERROR executor.Executor: Exception in task 0.0';

function admitted(value: object, lineFieldsFor?: (org: string) => boolean): LogRecord {
  const message: KafkaMessage = {
    topic: 'logs.raw',
    partition: 0,
    offset: 3n,
    key: Buffer.from('acme'),
    value: Buffer.from(JSON.stringify(value)),
    headers: {},
    timestamp: 0n,
  };
  const [log] = decodeRawRecord(message, serdes.logRecord()) as LogRecord[];
  const result = admitLog(log!, DEFAULT_LIMITS, lineFieldsFor);
  assert.ok(!('refused' in result));
  return result;
}

describe('logs.raw: a direct producer’s log without a timestamp or level', () => {
  it('takes them from its line when the setting says so for its org', () => {
    const log = admitted({ message: LINE }, () => true);
    assert.deepEqual(
      [new Date(log.timestamp).toISOString(), log.level, log.message],
      ['2017-06-09T20:10:40.000Z', 'ERROR', LINE],
    );
  });

  it('keeps what the record carries, and reads nothing with the setting off', () => {
    const sent = admitted({ message: LINE, timestamp: '2026-12-07T10:00:00Z', level: 'warn' }, () => true);
    assert.deepEqual(
      [new Date(sent.timestamp).toISOString(), sent.level],
      ['2026-12-07T10:00:00.000Z', 'WARN'],
    );
    const off = admitted({ message: LINE });
    assert.equal(off.level, 'INFO');
    assert.notEqual(new Date(off.timestamp).getUTCFullYear(), 2017);
  });
});
