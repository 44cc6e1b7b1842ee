// What tenancy costs the hot path: `npm run bench:ingest -- --tenancy-on-off`. Three services run
// side by side (ingest-sides.ts runs them in interleaved rounds): "off" without keys and with
// the per-org rate limit off; "API keys" with 100 API keys (the bench sending one of them), the
// rate limit still off: the issue's comparison, keys on / off; and "keys + rate limit", all of
// tenancy: the keys and a rate limit set too high to ever refuse. Limit: within 5% of off.
import type { Target } from './ingest-load.ts';
import type { Comparison } from './ingest-sides.ts';

/** Tenancy issue: with it on, the ingest benchmark stays within 5% of it off. */
const TENANCY_LIMIT = 0.95;
const LIMITS = { 1: TENANCY_LIMIT, 100: TENANCY_LIMIT, 1000: TENANCY_LIMIT };

/** API keys of the keyed services: 100 of them, one org each; the bench writes with one. */
const TENANCY_KEYS = Array.from(
  { length: 100 },
  (_, i) => `bench-key-${String(i).padStart(3, '0')}-0123456789abcdef`,
);
const BENCH_KEY_INDEX = 57;
/** High enough never to refuse: the limiter's bookkeeping runs, its 429 never does. */
const NEVER_REFUSING_RATE = '100000000';

/** The keyed services must really check keys: without one they refuse. */
async function refusesWithoutKey(target: Target): Promise<void> {
  const open = await fetch(`${target.url}/logs/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"org":"bench","message":"no key"}',
  });
  if (open.status !== 401) throw new Error(`a keyed service answered ${open.status} without a key`);
}

export function tenancyComparison(): Comparison {
  const keys = TENANCY_KEYS.map(
    (key, i) => `${key}:${i === BENCH_KEY_INDEX ? 'bench' : `org-${i}`}:write+read`,
  ).join(';');
  const authorization = { authorization: `Bearer ${TENANCY_KEYS[BENCH_KEY_INDEX]!}` };
  return {
    baseline: { name: 'tenancy off', port: 3193, env: { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' } },
    compared: [
      {
        name: 'API keys',
        port: 3194,
        env: { INGEST_API_KEYS: keys, INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' },
        headers: authorization,
        check: refusesWithoutKey,
        limits: LIMITS,
      },
      {
        name: 'keys + rate limit',
        port: 3195,
        env: {
          INGEST_API_KEYS: keys,
          INGEST_RATE_LIMIT_LOGS_PER_SEC: NEVER_REFUSING_RATE,
          INGEST_RATE_LIMIT_BURST_LOGS: NEVER_REFUSING_RATE,
        },
        headers: authorization,
        check: refusesWithoutKey,
        limits: LIMITS,
      },
    ],
  };
}
