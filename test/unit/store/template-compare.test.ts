import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareWindows, gScore, SIGNIFICANT_G } from '../../../src/store/template-compare.ts';
import type { TemplateVolume } from '../../../src/store/template-volume.ts';

const volume = (id: number, count: number): TemplateVolume => ({
  id,
  template: `T${id} <*>`,
  source: 'builtin',
  count,
  first_seen: '',
  last_seen: '',
  levels: {},
});
const HOUR = 3_600_000;

describe('comparing two windows of templates', () => {
  it('scores by evidence, not by ratio alone: the same doubling is more significant with more logs', () => {
    assert.equal(gScore(10, 10, HOUR, HOUR), 0);
    assert.equal(gScore(10, 20, HOUR, 2 * HOUR), 0, 'the same rate over a longer window');
    const small = gScore(10, 20, HOUR, HOUR);
    const large = gScore(1000, 2000, HOUR, HOUR);
    assert.ok(small > 0 && small < SIGNIFICANT_G, `10 -> 20: ${small}`);
    assert.ok(large > 100, `1000 -> 2000: ${large}`);
  });

  it('lists new, gone and changed templates, most significant first, and counts the unchanged', () => {
    const { templates, unchanged } = compareWindows(
      [volume(1, 100), volume(2, 50), volume(3, 1000), volume(4, 30)],
      [volume(1, 105), volume(3, 3000), volume(4, 31), volume(5, 40)],
      HOUR,
      HOUR,
    );
    assert.deepEqual(
      templates.map((t) => [t.template_id, t.status, t.baseline_count, t.count]),
      [
        [3, 'changed', 1000, 3000],
        [2, 'gone', 50, 0],
        [5, 'new', 0, 40],
      ],
    );
    assert.equal(templates[0]?.rate_change, 3);
    assert.equal(unchanged, 2);
  });
});
