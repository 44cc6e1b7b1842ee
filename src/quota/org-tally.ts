/** Orgs counted one by one at most; beyond, counts go to OTHER_ORGS (org names come from clients). */
const MAX_ORGS = 1000;
export const OTHER_ORGS = '(other orgs)';

/**
 * Counts per org for /stats (logs refused by a quota, say), bounded: an attacker inventing org
 * names cannot grow it past MAX_ORGS entries.
 */
export class OrgTally {
  private readonly counts = new Map<string, number>();
  private total = 0;

  add(org: string, n: number): void {
    this.total += n;
    const key = this.counts.has(org) || this.counts.size < MAX_ORGS ? org : OTHER_ORGS;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get sum(): number {
    return this.total;
  }

  /** A copy, org → count. */
  byOrg(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
