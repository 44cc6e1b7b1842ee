import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOG_FIELDS, type LogField } from '../../../src/model/log-fields.ts';
import type { StoredLog } from '../../../src/model/log.ts';
import { encodeInsertLine, encodeLogs, encodeTimestamp, LOG_COLUMNS } from '../../../src/store/format.ts';
import { logRecord } from '../../helpers/records.ts';

/** What ClickHouse's DateTime64(3) text form is, from the standard library. */
function reference(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

describe('encodeTimestamp', () => {
  it('writes YYYY-MM-DD hh:mm:ss.mmm in UTC, also across seconds, days and before 1970', () => {
    const samples = [
      0,
      1,
      9,
      10,
      99,
      100,
      999,
      1000,
      1001,
      -1,
      -999,
      -1000,
      -1001,
      Date.UTC(2026, 10, 27, 23, 59, 59, 999),
      Date.UTC(2026, 10, 28, 0, 0, 0, 0),
      Date.UTC(1950, 0, 1, 12, 0, 0, 5),
    ];
    // In order and out of order: the cached second must never leak into another one.
    for (const ms of [...samples, ...samples.reverse()])
      assert.equal(encodeTimestamp(ms), reference(ms), String(ms));
    for (let ms = Date.UTC(2030, 0, 1) - 5000; ms < Date.UTC(2030, 0, 1) + 5000; ms += 7)
      assert.equal(encodeTimestamp(ms), reference(ms));
  });

  it('keeps to the range DateTime64(3) accepts and writes 1970 for what is not a number', () => {
    assert.equal(encodeTimestamp(Number.NaN), '1970-01-01 00:00:00.000');
    assert.equal(encodeTimestamp(1e20), '2299-12-31 23:59:59.999');
    assert.equal(encodeTimestamp(-1e20), '1900-01-01 00:00:00.000');
    assert.equal(encodeTimestamp(1.7), '1970-01-01 00:00:00.001');
  });
});

/**
 * The row encoders are written field by field (they run per log): a log whose every declared field
 * has its own value must come out with each value in its declared column, in every format.
 */
describe('encodeLogs covers every declared field', () => {
  const row: StoredLog = {
    timestamp: Date.UTC(2030, 0, 2, 3, 4, 5, 6),
    org: 'v-org',
    dashboard: 'v-dashboard',
    service: 'v-service',
    host: 'v-host',
    level: 'v-level',
    message: 'v-message',
    metadata: { k: 'v-metadata' },
    templateId: 4053224523883714,
    variables: ['v-variables'],
    id: '17293822569102704642',
    untemplatedReason: 'v-untemplated-reason',
  };
  /** What a column holds for a field's value, as JSON (JSONEachRow) and as text (TabSeparated). */
  function expected(field: LogField, value: unknown): { json: unknown; tsv: string } {
    if (field.column.type.startsWith('DateTime64')) {
      const text = encodeTimestamp(value as number);
      return { json: text, tsv: text };
    }
    if (field.column.type === 'UInt64') return { json: String(value), tsv: String(value) };
    if (Array.isArray(value))
      return { json: value, tsv: `[${value.map((v) => `'${String(v)}'`).join(',')}]` };
    if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value).map(([k, v]) => `'${k}':'${String(v)}'`);
      return { json: value, tsv: `{${entries.join(',')}}` };
    }
    return { json: value, tsv: String(value) };
  }
  const fields = Object.entries(LOG_FIELDS) as Array<[keyof StoredLog, LogField]>;

  it('names each declared column once', () => {
    assert.deepEqual([...LOG_COLUMNS].sort(), fields.map(([, field]) => field.column.name).sort());
  });

  it('writes each field into its column in JSONEachRow, JSONCompactEachRow and TabSeparated', () => {
    const object = JSON.parse(encodeLogs([row], 'JSONEachRow')) as Record<string, unknown>;
    const compact = JSON.parse(encodeLogs([row], 'JSONCompactEachRow')) as unknown[];
    const tsv = encodeLogs([row], 'TabSeparated').replace(/\n$/, '').split('\t');
    assert.deepEqual(Object.keys(object), [...LOG_COLUMNS]);
    assert.equal(compact.length, LOG_COLUMNS.length);
    assert.equal(tsv.length, LOG_COLUMNS.length);
    for (const [name, field] of fields) {
      const at = (LOG_COLUMNS as readonly string[]).indexOf(field.column.name);
      const want = expected(field, row[name]);
      assert.deepEqual(object[field.column.name], want.json, `${name} in JSONEachRow`);
      assert.deepEqual(compact[at], want.json, `${name} in JSONCompactEachRow`);
      assert.equal(tsv[at], want.tsv, `${name} in TabSeparated`);
    }
  });
});

describe('encodeInsertLine', () => {
  const row = (metadata: Record<string, string>): StoredLog => ({
    ...logRecord('disk "sda" full\n', { metadata }),
    templateId: 7,
    variables: ['sda'],
    id: '1',
    untemplatedReason: '',
  });

  it('writes metadata as validation leaves it (no prototype), empty or not, as JSON.stringify does', () => {
    const empty = Object.create(null) as Record<string, string>;
    assert.equal(
      encodeInsertLine(row(empty)),
      '["1970-01-01 00:00:00.000","acme","","","","INFO","disk \\"sda\\" full\\n","7",["sda"],{},"1",""]\n',
    );
    const some = Object.create(null) as Record<string, string>;
    some['__proto__'] = 'an ordinary key';
    some['pod'] = 'api-1';
    const line = encodeInsertLine(row(some));
    assert.equal(line.endsWith('\n'), true);
    const metadata = (JSON.parse(line) as unknown[])[9] as Record<string, string>;
    assert.deepEqual(Object.entries(metadata), [
      ['__proto__', 'an ordinary key'],
      ['pod', 'api-1'],
    ]);
  });
});
