// What the write-ahead log costs the hot path: `npm run bench:ingest -- --wal-on-off`. Three
// services side by side (ingest-sides.ts runs them in interleaved rounds), the same but for
// INGEST_WAL_SYNC: `off` (the baseline: a 200 means in memory), `write` (the default: in the
// WAL file before the answer) and `fsync` (on disk before the answer, one fdatasync shared by
// the requests waiting for it). Limits (issue "Durable standalone"): batches of 100 and 1,000
// with `write` at least 0.85x of off; single logs with `fsync` at least 0.7x of off.
// The writer discards what it would store, as in the rest of bench:ingest, and releases the
// WAL as if stored: segments are written and deleted as in a real run.
import type { Target } from './ingest-load.ts';
import type { Comparison } from './ingest-sides.ts';

/** The service must really keep (or not keep) a WAL: /stats says which. */
function expectsWal(present: boolean) {
  return async (target: Target): Promise<void> => {
    const res = await fetch(`${target.url}/stats`, { headers: target.headers });
    const wal = ((await res.json()) as { wal: unknown }).wal;
    if ((wal !== null) !== present) throw new Error(`${target.url}: /stats wal is ${JSON.stringify(wal)}`);
  };
}

export function walComparison(): Comparison {
  const common = { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' };
  return {
    baseline: {
      name: 'WAL off',
      port: 3196,
      env: { ...common, INGEST_WAL_SYNC: 'off' },
      check: expectsWal(false),
    },
    compared: [
      {
        name: 'WAL write',
        port: 3197,
        env: { ...common, INGEST_WAL_SYNC: 'write' },
        check: expectsWal(true),
        limits: { 100: 0.85, 1000: 0.85 },
      },
      {
        name: 'WAL fsync',
        port: 3198,
        env: { ...common, INGEST_WAL_SYNC: 'fsync' },
        check: expectsWal(true),
        limits: { 1: 0.7 },
      },
    ],
  };
}
