/**
 * Tokens asked of several keys at once: `n` of one key (a batch of one org, nearly always: no
 * map is built for it), or the count of each key.
 */
export type Demand = { readonly key: string; readonly n: number } | ReadonlyMap<string, number>;

/** Tokens `demand` asks of `key`. */
export function demandOf(demand: Demand, key: string): number {
  if ('key' in demand) return demand.key === key ? demand.n : 0;
  return demand.get(key) ?? 0;
}

/**
 * Token buckets by key (an org): each refills at `ratePerSec` up to `burst`. A bucket is
 * refilled lazily when it is next used, so an idle org costs nothing; a bucket that would be
 * full again holds no state worth keeping and is dropped by the sweep, so the map holds only
 * the orgs seen within the last burst / rate seconds, however many org names clients invent.
 */
export class TokenBuckets {
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** The map size that triggers the next sweep; doubles with what a sweep keeps. */
  private sweepAt = 1024;

  constructor(ratePerSec: number, burst: number, now: () => number = Date.now) {
    if (!(ratePerSec > 0) || !(burst >= 1)) throw new RangeError('rate and burst must be positive');
    this.ratePerSec = ratePerSec;
    this.burst = burst;
    this.now = now;
  }

  /**
   * Takes `n` tokens from `key`'s bucket when it holds them and returns 0; otherwise takes
   * nothing and returns the seconds until it would hold them (Infinity when `n` > burst).
   */
  take(key: string, n: number): number {
    const at = this.now();
    const bucket = this.refilled(key, at);
    if (bucket.tokens >= n) {
      bucket.tokens -= n;
      return 0;
    }
    return n > this.burst ? Number.POSITIVE_INFINITY : (n - bucket.tokens) / this.ratePerSec;
  }

  /**
   * Takes a demand's tokens, all or nothing (a batch with logs of several orgs). Returns the
   * first key short of tokens and its wait, or undefined when all were taken.
   */
  takeAll(demand: Demand): { key: string; waitSecs: number } | undefined {
    if ('key' in demand) {
      const waitSecs = this.take(demand.key, demand.n);
      return waitSecs === 0 ? undefined : { key: demand.key, waitSecs };
    }
    const at = this.now();
    for (const [key, n] of demand) {
      const bucket = this.refilled(key, at);
      if (bucket.tokens < n) {
        return {
          key,
          waitSecs: n > this.burst ? Number.POSITIVE_INFINITY : (n - bucket.tokens) / this.ratePerSec,
        };
      }
    }
    for (const [key, n] of demand) this.refilled(key, at).tokens -= n;
    return undefined;
  }

  /** Gives back a demand's tokens, taken for work that was refused after all (never above burst). */
  refundAll(demand: Demand): void {
    if ('key' in demand) this.refund(demand.key, demand.n);
    else for (const [key, n] of demand) this.refund(key, n);
  }

  /** Gives back tokens taken for work that was refused after all (never above burst). */
  refund(key: string, n: number): void {
    const bucket = this.buckets.get(key);
    if (bucket !== undefined) bucket.tokens = Math.min(this.burst, bucket.tokens + n);
  }

  /** Buckets held now (for tests and /stats). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string, at: number): { tokens: number; at: number } {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.sweepAt) this.sweep(at);
      bucket = { tokens: this.burst, at };
      this.buckets.set(key, bucket);
      return bucket;
    }
    if (at > bucket.at) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((at - bucket.at) / 1000) * this.ratePerSec);
      bucket.at = at;
    }
    return bucket;
  }

  /** Drops the buckets that have refilled completely: a new bucket starts full anyway. */
  private sweep(at: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((at - bucket.at) / 1000) * this.ratePerSec >= this.burst) this.buckets.delete(key);
    }
    this.sweepAt = Math.max(1024, this.buckets.size * 2);
  }
}

/** The per-org ingest rate limit the configuration asks for; undefined when it is off (rate 0). */
export function orgRateLimit(limit: { logsPerSec: number; burstLogs: number }): TokenBuckets | undefined {
  return limit.logsPerSec === 0 ? undefined : new TokenBuckets(limit.logsPerSec, limit.burstLogs);
}
