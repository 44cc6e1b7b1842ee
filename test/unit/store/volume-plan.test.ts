import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_SPANS, planWindow, type Span, type VolumePlan } from '../../../src/store/volume-plan.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MIDNIGHT = Date.UTC(2026, 11, 6);

const length = (spans: readonly Span[]) => spans.reduce((n, s) => n + s.to - s.from, 0);
const unshifted = (plan: VolumePlan) =>
  [...plan.grains.flatMap((g) => g.spans), ...plan.logs].filter((s) => s.shift === 0);

describe('which table each part of a window is read from', () => {
  it('a UTC day with a step of an hour: 24 hourly buckets, no logs', () => {
    const plan = planWindow(MIDNIGHT, MIDNIGHT + DAY - 1, HOUR);
    assert.deepEqual(
      plan.grains.map((g) => [g.grain.table, g.spans]),
      [
        ['template_volume_1h', [{ from: MIDNIGHT, to: MIDNIGHT + DAY, shift: 0 }]],
        ['template_volume_10m', []],
      ],
    );
    assert.deepEqual(plan.logs, []);
  });

  it('the last 24 hours to the millisecond, step 1 h: whole buckets, and under 10 minutes of logs per boundary', () => {
    const now = MIDNIGHT + 13 * HOUR + 47 * MINUTE + 12_345;
    const plan = planWindow(now - DAY, now - 1, HOUR);
    assert.equal(length(unshifted(plan)), DAY, 'every millisecond once');
    // Each hour straddles a boundary at :47:12.345 and counts in the step before it; the 12 m 48 s
    // after the boundary move: 10 minutes from the 10-minute buckets, the rest from the logs.
    assert.deepEqual(plan.grains[1]?.spans.filter((s) => s.shift === -1).length, 23);
    // 23 boundaries inside, and the two ends: each needs less than 10 minutes of logs.
    assert.ok(length(plan.logs) < 25 * 10 * MINUTE, `${length(plan.logs)} ms of logs`);
    assert.equal(plan.grains[0]?.spans.length, 1);
  });

  it('all time (GET /templates/{id} without a window): whole hours in one span, not one per hour', () => {
    const plan = planWindow(0, MIDNIGHT + 5 * MINUTE + 7, undefined);
    assert.deepEqual(plan.grains[0]?.spans, [{ from: 0, to: MIDNIGHT, shift: 0 }]);
    assert.deepEqual(plan.logs, [{ from: MIDNIGHT, to: MIDNIGHT + 5 * MINUTE + 8, shift: 0 }]);
  });

  it('a step too fine and off the 10 minutes for the spans allowed: the logs alone, exact', () => {
    // 1,440 steps of 10 minutes and a millisecond: a boundary to move in each bucket.
    const to = MIDNIGHT + 1440 * (10 * MINUTE + 1);
    const plan = planWindow(MIDNIGHT + 1, to, 10 * MINUTE + 1);
    assert.deepEqual(plan, { grains: [], logs: [{ from: MIDNIGHT + 1, to: to + 1, shift: 0 }] });
  });

  it('any window and step: the unshifted spans cover it once, the moved ones lie inside it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIDNIGHT - 3 * DAY, max: MIDNIGHT }),
        fc.integer({ min: 0, max: 3 * DAY }),
        fc.option(fc.integer({ min: 1000, max: DAY })),
        (from, span, step) => {
          const to = from + span;
          const plan = planWindow(from, to, step ?? undefined);
          const spans = unshifted(plan).sort((a, b) => a.from - b.from);
          assert.equal(spans[0]?.from, from);
          assert.equal(spans.at(-1)?.to, to + 1);
          for (let i = 1; i < spans.length; i++) assert.equal(spans[i]?.from, spans[i - 1]?.to);
          const all = [...plan.grains.flatMap((g) => g.spans), ...plan.logs];
          assert.ok(all.length <= MAX_SPANS);
          for (const s of all) assert.ok(s.from >= from && s.to <= to + 1 && s.from < s.to);
        },
      ),
      { seed: 17 },
    );
  });
});
