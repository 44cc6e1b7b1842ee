/**
 * A stage's counters, declared once: name (the key), help, kind, and where each is reported.
 * From that one declaration come the stage's Stats type, its zero object, its /metrics series
 * (src/metrics/prometheus.ts), its place in the /stats body (src/metrics/stats-body.ts) and in
 * the /stats schema (src/http/routes/status-schema.ts). A new counter is one line here and a
 * `stats.name++` in the stage.
 */

/** A number: `counter` only grows (mirrored as a Prometheus counter), `gauge` goes up and down. */
export interface NumberSpec {
  readonly kind: 'counter' | 'gauge';
  readonly help: string;
  /** Where /stats reports it, as a dotted path ('logs.accepted'); absent: not in /stats. */
  readonly stats?: string;
  /** Its Prometheus series; absent: not in /metrics. */
  readonly metric?: string;
}

/** A count per org (OrgTally, bounded), reported under /stats `quotas.by_org.<org>.<stats>`. */
export interface ByOrgSpec {
  readonly kind: 'by-org';
  readonly help: string;
  readonly stats: string;
  /** A Prometheus counter with an `org` label (bounded: OrgTally's orgs and "(other orgs)"); absent: /stats only. */
  readonly metric?: string;
}

/** A yes/no state, e.g. storage failing. */
export interface FlagSpec {
  readonly kind: 'flag';
  readonly help: string;
  readonly stats?: string;
}

/** Text that may be absent (null in /stats), e.g. the last error. */
export interface TextSpec {
  readonly kind: 'text';
  readonly help: string;
  readonly stats?: string;
}

export type CounterSpec = NumberSpec | ByOrgSpec | FlagSpec | TextSpec;
export type CounterSet = Readonly<Record<string, CounterSpec>>;

type ValueOf<S extends CounterSpec> = S extends ByOrgSpec
  ? Record<string, number>
  : S extends FlagSpec
    ? boolean
    : number;

type TextKeys<C extends CounterSet> = { [K in keyof C]: C[K] extends TextSpec ? K : never }[keyof C];

/** The stage's counters as a plain object: what its stats() returns. Text may be absent. */
export type StatsOf<C extends CounterSet> = {
  -readonly [K in Exclude<keyof C, TextKeys<C>>]: ValueOf<C[K]>;
} & { -readonly [K in TextKeys<C>]?: string };

/** Keeps the literal kinds of a declaration, so StatsOf can tell numbers from flags. */
export function declareCounters<const C extends CounterSet>(counters: C): C {
  return counters;
}

/** Every counter at zero (false, absent, no orgs): what a process without the stage reports. */
export function zeroStats<C extends CounterSet>(counters: C): Readonly<StatsOf<C>> {
  const zero: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(counters)) {
    if (spec.kind === 'by-org') zero[name] = Object.freeze({});
    else if (spec.kind === 'flag') zero[name] = false;
    else if (spec.kind !== 'text') zero[name] = 0;
  }
  return Object.freeze(zero) as Readonly<StatsOf<C>>;
}
