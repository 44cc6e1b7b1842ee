import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTimestamp } from '../../../src/store/format.ts';

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
