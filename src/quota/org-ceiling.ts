/**
 * The ceiling on orgs (ORGS_MAX): every org costs memory in every matcher (its templates, its
 * index while busy) and in each per-org tally, so the number of orgs one service takes logs of
 * is bounded. Orgs already known (standalone: those with stored templates) and orgs named in
 * API keys are always taken; a new org is taken while there is room, and once the ceiling is
 * reached its logs are refused (TOO_MANY_ORGS) and nothing is kept for it, so memory stays flat
 * however many new orgs keep arriving.
 */
export class OrgCeiling {
  readonly max: number;
  private readonly known: Set<string>;
  private readonly exempt: ReadonlySet<string>;
  /** The last org taken: batches are nearly always of one org, this skips the set lookup. */
  private last = '';
  /** Logs refused for the ceiling. */
  refusedLogs = 0;

  constructor(max: number, known: Iterable<string> = [], exempt: Iterable<string> = []) {
    this.max = max;
    this.known = new Set(known);
    this.exempt = new Set(exempt);
  }

  /** Whether the org's logs are taken (counting a new one in). */
  admit(org: string): boolean {
    if (org === this.last || this.max === 0) return true;
    if (this.known.has(org) || this.exempt.has(org)) {
      this.last = org;
      return true;
    }
    if (this.known.size < this.max) {
      this.known.add(org);
      this.last = org;
      return true;
    }
    this.refusedLogs++;
    return false;
  }

  /** Orgs counted against the ceiling. */
  get size(): number {
    return this.known.size;
  }
}

/**
 * The ceiling of a configuration (ORGS_MAX; undefined for 0). `known`: orgs that already have
 * data (standalone: its stored templates). Orgs named in API keys never count against it, nor
 * `configured` ones (SYSLOG_ORG): the configuration gave them, no client can add more.
 */
export function orgCeiling(
  orgs: { max: number },
  keys: ReadonlyArray<{ orgs: readonly string[] | '*' }>,
  known: Iterable<string> = [],
  configured: readonly string[] = [],
): OrgCeiling | undefined {
  if (orgs.max === 0) return undefined;
  const exempt = [...keys.flatMap((key) => (key.orgs === '*' ? [] : key.orgs)), ...configured];
  return new OrgCeiling(orgs.max, known, exempt);
}
