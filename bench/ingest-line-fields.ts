// What reading a missing timestamp or level from the line costs the hot path:
// `npm run bench:ingest -- --line-fields-on-off [--baseline-root DIR]`. Services side by side
// (ingest-sides.ts runs them in interleaved rounds): the baseline, this checkout with
// LINE_FIELDS=off (or, with --baseline-root, another checkout's service, such as main's, as it
// is); "line fields off" and "line fields on" of this checkout. The bench's logs carry a level
// and no timestamp, as most clients send them: with it on, every message's head is read for a
// time. Limit: on within 5% of the baseline.
import type { Comparison } from './ingest-sides.ts';

const LIMIT = 0.95;
const LIMITS = { 1: LIMIT, 100: LIMIT, 1000: LIMIT };

export function lineFieldsComparison(baselineRoot: string | undefined): Comparison {
  const common = { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' };
  const off = { name: 'line fields off', port: 3181, env: { ...common, LINE_FIELDS: 'off' } };
  const on = { name: 'line fields on', port: 3182, env: { ...common, LINE_FIELDS: 'on' }, limits: LIMITS };
  if (baselineRoot === undefined) return { baseline: off, compared: [on] };
  return {
    baseline: { name: `baseline (${baselineRoot})`, port: 3183, env: common, root: baselineRoot },
    compared: [{ ...off, limits: LIMITS }, on],
  };
}
