import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastHalfTrends, minuteSpans, theilSenSlope, type Reading } from '../../../bench/soak-trend.ts';

/** Readings every 5 s for `minutes`, of one figure given as a function of the time in ms. */
function readings(minutes: number, at: (ms: number) => number): Reading[] {
  const out: Reading[] = [];
  for (let ms = 0; ms < minutes * 60_000; ms += 5_000) out.push({ atMs: ms, values: { heap: at(ms) } });
  return out;
}

/** A sawtooth between 40 and 150 with a period of 47 s, so each minute is read at another phase. */
const sawtooth = (ms: number) => 40 + 110 * ((ms % 47_000) / 47_000);

test('a sawtooth that does not grow is flat at its peaks and floors, whatever phase the minutes read', () => {
  const trends = lastHalfTrends(minuteSpans(readings(30, sawtooth), 6), ['heap']);
  for (const t of trends) assert.ok(Math.abs(t.slope) <= t.limit, `${t.series}: ${t.slope} vs ${t.limit}`);
});

test('the same sawtooth on a floor that leaks 1 MB a minute grows at its floor and its peak', () => {
  const leaking = (ms: number) => sawtooth(ms) + ms / 60_000;
  const trends = lastHalfTrends(minuteSpans(readings(30, leaking), 6), ['heap']);
  for (const t of trends) {
    assert.ok(t.slope > t.limit, `${t.series}: ${t.slope} vs ${t.limit}`);
    assert.ok(Math.abs(t.slope - 1) < 0.2, `${t.series} slope ${t.slope} is about 1 per minute`);
  }
});

test('one odd minute does not swing the Theil-Sen slope; a least-squares line it would', () => {
  const points = Array.from({ length: 15 }, (_, i) => [i, 100] as [number, number]);
  points[14] = [14, 1000];
  assert.equal(theilSenSlope(points), 0);
});

test('a minute with too few readings (the tail of a run) is left out, not read twice', () => {
  const spans = minuteSpans([...readings(3, () => 1), { atMs: 3 * 60_000 + 1_000, values: { heap: 99 } }], 6);
  assert.deepEqual(
    spans.map((s) => s.minute),
    [1, 2, 3],
  );
});
