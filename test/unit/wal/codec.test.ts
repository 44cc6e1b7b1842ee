import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toStoredLog } from '../../../src/match/stage.ts';
import type { LogRecord } from '../../../src/model/log.ts';
import { encodeInsertLine, encodeLogs, LOG_FORMAT } from '../../../src/store/format.ts';
import { decodeRecord, recordHead } from '../../../src/wal/codec.ts';
import { RECORD_HEADER_BYTES, RecordFramer } from '../../../src/wal/format.ts';

const NASTY = 'tab\there "quote" \\ back\nnew line ✓ \u0000 end';

function log(i: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timestamp: 1_700_000_000_123 + i,
    org: `org-${i % 2}`,
    dashboard: i % 2 === 0 ? '' : 'dash',
    service: 'api',
    host: 'h1',
    level: 'WARN',
    message: `${NASTY} ${i}`,
    metadata: { key: NASTY, n: String(i) },
    id: String(18_000_000_000_000_000_000n + BigInt(i)),
    ...overrides,
  };
}

describe('write-ahead-log record', () => {
  it('gives back every log of a request, matched (as insert lines) and unmatched, as accepted', () => {
    const matched = [log(1), log(2), log(3, { timestamp: -86_400_000 })];
    const unmatched = [log(4), log(5, { metadata: {} })];
    const lines = matched.map((l) =>
      encodeInsertLine(toStoredLog(l, { templateId: 42, variables: ['x', NASTY] })),
    );
    const framer = new RecordFramer();
    framer.add(recordHead(unmatched), lines);
    const payload = Buffer.from(framer.take().subarray(RECORD_HEADER_BYTES));
    assert.deepEqual(decodeRecord(payload), [...unmatched, ...matched]);
  });

  it('frames a record larger than its buffer, multi-byte text included', () => {
    const framer = new RecordFramer();
    const big = '✓'.repeat(700_000); // 2.1 MB of UTF-8, over the first 1 MiB buffer
    framer.add('\u0002[]\n', ['a', big, 'z']);
    const frame = framer.take();
    assert.equal(frame.readUInt32LE(0), frame.length - RECORD_HEADER_BYTES);
    assert.equal(frame.subarray(RECORD_HEADER_BYTES).toString('utf8'), `\u0002[]\na${big}z`);
  });

  it('a matched row has one text: the line its request makes is what the writer makes of the row', () => {
    const row = toStoredLog(log(1), { templateId: 7, variables: ['v'] });
    assert.equal(encodeLogs([row], LOG_FORMAT), encodeInsertLine(row));
  });

  it('refuses a record kind it does not know', () => {
    assert.throws(() => decodeRecord(Buffer.from('\u0009[]\n')), /unknown write-ahead-log record kind 9/);
  });
});
