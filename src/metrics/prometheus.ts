import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DERIVED, STAGE_COUNTERS, type StatsSnapshot, type StatsSources } from './catalog.ts';

export type { StatsSources } from './catalog.ts';

export interface Metrics {
  readonly registry: Registry;
  /** Observed per request by the HTTP layer. */
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly ingestBatchSize: Histogram;
  /** Connections answered and closed at accept, over INGEST_MAX_CONNECTIONS (total) or the per-client cap. */
  readonly connectionsRefused: Counter<'reason'>;
  /** Observed per ClickHouse insert by the writer's onFlush callback. */
  readonly flushDuration: Histogram<'result'>;
}

/**
 * Prometheus metrics for what the original documentation lists under Monitoring: every declared
 * counter with a `metric` name (catalog.ts), read from the stages when scraped, plus the
 * histograms observed as things happen. Rates (requests/s, logs/s, flushes/s) are `rate()` over
 * the counters.
 */
export function createMetrics(sources: StatsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'log_ingest_' });
  const registers = [registry];

  for (const stage of Object.keys(STAGE_COUNTERS) as (keyof StatsSnapshot)[]) {
    for (const [name, spec] of Object.entries(STAGE_COUNTERS[stage])) {
      if (spec.kind === 'by-org' && spec.metric !== undefined) {
        const read = () => (sources[stage]() as Readonly<Record<string, unknown>> | undefined)?.[name];
        registerByOrg(
          registers,
          spec.metric,
          spec.help,
          () => (read() ?? {}) as Readonly<Record<string, number>>,
        );
        continue;
      }
      if ((spec.kind !== 'counter' && spec.kind !== 'gauge') || spec.metric === undefined) continue;
      // An absent stage (a Kafka role without it, no LLM) reads as zero.
      const read = () => (sources[stage]() as Readonly<Record<string, number>> | undefined)?.[name] ?? 0;
      register(registers, spec.kind, spec.metric, spec.help, read);
    }
  }
  for (const spec of DERIVED) {
    if (spec.metric !== undefined)
      register(registers, spec.kind, spec.metric, spec.help, () => spec.read(sources) ?? 0);
  }

  return {
    registry,
    httpRequests: new Counter({
      name: 'log_ingest_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    connectionsRefused: new Counter({
      name: 'log_ingest_http_connections_refused_total',
      help: 'Connections refused at accept: over INGEST_MAX_CONNECTIONS (total) or INGEST_MAX_CONNECTIONS_PER_CLIENT (per_client)',
      labelNames: ['reason'],
      registers,
    }),
    ingestBatchSize: new Histogram({
      name: 'log_ingest_batch_size',
      help: 'Valid logs per ingest request',
      buckets: [1, 10, 100, 500, 1000, 5000, 10000, 50000],
      registers,
    }),
    flushDuration: new Histogram({
      name: 'log_ingest_clickhouse_flush_duration_seconds',
      help: 'ClickHouse insert latency',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/**
 * A counter mirrors a stage's monotonic count (incremented by what it grew since the last
 * scrape); a gauge is set to the value.
 */
function register(
  registers: Registry[],
  kind: 'counter' | 'gauge',
  name: string,
  help: string,
  read: () => number,
): void {
  if (kind === 'gauge') {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
    return;
  }
  let last = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const value = read();
      if (value > last) this.inc(value - last);
      last = value;
    },
  });
}

/** A count per org (OrgTally: at most its bound of orgs, the rest as "(other orgs)") as a counter labelled `org`. */
function registerByOrg(
  registers: Registry[],
  name: string,
  help: string,
  read: () => Readonly<Record<string, number>>,
): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: ['org'],
    registers,
    collect() {
      for (const [org, value] of Object.entries(read())) {
        const before = last.get(org) ?? 0;
        if (value > before) this.labels(org).inc(value - before);
        last.set(org, value);
      }
    },
  });
}
