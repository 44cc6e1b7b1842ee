/**
 * The /stats body, derived from the declared counters (catalog.ts): each counter at its
 * declared path, the derived figures, and the per-org quota counts. What is not a counter
 * (the advised batch size, the generator's name, ceilings from the configuration, Kafka
 * consumers' counters) comes in as `facts`, placed first.
 */
import type { CounterSet } from '../counters.ts';
import {
  DERIVED,
  NULL_GROUP_WHEN_ABSENT,
  STAGE_COUNTERS,
  type StatsSnapshot,
  type StatsSources,
} from './catalog.ts';

/** Where the per-org counts go: `quotas.by_org.<org>.<counter's stats name>`. */
export const BY_ORG_PATH = 'quotas.by_org';

type Body = Record<string, unknown>;

/**
 * Who reads /stats: an operator (the open API, or a key for every org) sees all of it; a tenant
 * (a key for some orgs) sees the per-org counts of its own orgs only, and no error texts,
 * which name hosts, paths and the engine's internals (they are in the service's log).
 */
export interface StatsReader {
  readonly orgs?: ReadonlySet<string> | undefined;
}

export function statsBody(
  sources: StatsSources,
  facts: Readonly<Record<string, unknown>>,
  reader: StatsReader = {},
): Body {
  const snapshot: StatsSnapshot = {
    ingest: sources.ingest(),
    match: sources.match(),
    generate: sources.generate(),
    store: sources.store(),
    llm: sources.llm(),
    wal: sources.wal(),
    syslog: sources.syslog(),
    threads: sources.threads(),
  };
  const body: Body = {};
  for (const [path, value] of Object.entries(facts)) setPath(body, path, value);
  const nullGroups = new Set<string>();
  for (const stage of Object.keys(STAGE_COUNTERS) as (keyof StatsSnapshot)[]) {
    const group = NULL_GROUP_WHEN_ABSENT[stage];
    const stats = snapshot[stage] as Readonly<Record<string, unknown>> | undefined;
    if (stats === undefined && group !== undefined) nullGroups.add(group);
    placeCounters(
      body,
      STAGE_COUNTERS[stage],
      stats ?? {},
      group === undefined ? undefined : nullGroups,
      reader.orgs === undefined,
    );
  }
  const fixed: StatsSources = {
    ingest: () => snapshot.ingest,
    match: () => snapshot.match,
    generate: () => snapshot.generate,
    store: () => snapshot.store,
    llm: () => snapshot.llm,
    wal: () => snapshot.wal,
    syslog: () => snapshot.syslog,
    threads: () => snapshot.threads,
  };
  for (const spec of DERIVED) {
    if (spec.stats === undefined) continue;
    const value = spec.read(fixed);
    if (value !== undefined) setPath(body, spec.stats, value);
  }
  for (const group of nullGroups) body[group] = null;
  setPath(body, BY_ORG_PATH, byOrg(snapshot, reader.orgs));
  return inReadingOrder(body);
}

/** The top-level order a person reads /stats in; anything else follows. */
const READING_ORDER = [
  'templates_loaded',
  'optimal_batch_size',
  'generator',
  'requests',
  'logs',
  'rejected_overloaded',
  'buffer',
  'queues',
  'generation',
  'llm',
  'quotas',
  'orgs',
  'storage',
  'wal',
  'syslog',
];

function inReadingOrder(body: Body): Body {
  const ordered: Body = {};
  for (const key of READING_ORDER) if (key in body) ordered[key] = body[key];
  return Object.assign(ordered, body);
}

/** A stage's counters at their paths; an absent stage's (stats = {}) as zeros. */
function placeCounters(
  body: Body,
  counters: CounterSet,
  stats: Readonly<Record<string, unknown>>,
  nullGroups: ReadonlySet<string> | undefined,
  withTexts: boolean,
): void {
  for (const [name, spec] of Object.entries(counters)) {
    if (spec.kind === 'by-org' || spec.stats === undefined) continue;
    if (nullGroups !== undefined && nullGroups.has(spec.stats.split('.')[0] ?? '')) continue;
    const value = stats[name];
    if (spec.kind === 'text') setPath(body, spec.stats, withTexts ? (value ?? null) : null);
    else if (spec.kind === 'flag') setPath(body, spec.stats, value ?? false);
    else setPath(body, spec.stats, value ?? 0);
  }
}

/**
 * The orgs a quota held back, each with every per-org count (the tallies are bounded). Built in
 * a Map: org names come from clients, and `__proto__` must stay a name, not reach a prototype.
 */
function byOrg(snapshot: StatsSnapshot, only: ReadonlySet<string> | undefined): Body {
  const names: string[] = [];
  const tallies: [string, Readonly<Record<string, number>>][] = [];
  for (const stage of Object.keys(STAGE_COUNTERS) as (keyof StatsSnapshot)[]) {
    const stats = snapshot[stage] as Readonly<Record<string, unknown>> | undefined;
    for (const [name, spec] of Object.entries(STAGE_COUNTERS[stage])) {
      if (spec.kind !== 'by-org') continue;
      names.push(spec.stats);
      tallies.push([spec.stats, (stats?.[name] as Record<string, number> | undefined) ?? {}]);
    }
  }
  const orgs = new Map<string, Record<string, number>>();
  for (const [key, tally] of tallies) {
    for (const [org, n] of Object.entries(tally)) {
      if (only !== undefined && !only.has(org)) continue;
      let counts = orgs.get(org);
      if (counts === undefined) {
        counts = Object.fromEntries(names.map((name) => [name, 0]));
        orgs.set(org, counts);
      }
      counts[key] = n;
    }
  }
  return Object.fromEntries(orgs);
}

function setPath(body: Body, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = body;
  for (const key of keys.slice(0, -1)) {
    let child = node[key];
    if (typeof child !== 'object' || child === null) node[key] = child = {};
    node = child as Body;
  }
  node[keys.at(-1) as string] = value;
}
