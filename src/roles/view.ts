/**
 * What the HTTP layer is shown of a process's role parts: their counters as stats sources, and
 * the view /health and /stats answer from. Apart from serve.ts, which builds the Fastify app, so
 * that the matcher's bare status server (serve-matcher.ts) shows a matcher the same way.
 */
import { curatedReads } from '../curate/reads.ts';
import { zeroStats } from '../counters.ts';
import { GENERATE_COUNTERS } from '../generate/counters.ts';
import type { ServiceView } from '../http/view.ts';
import { MATCH_COUNTERS } from '../match/counters.ts';
import type { StatsSources } from '../metrics/catalog.ts';
import { STORE_COUNTERS } from '../store/counters.ts';
import type { RolePart } from './part.ts';

export function find<K extends keyof RolePart>(parts: readonly RolePart[], key: K): RolePart[K] | undefined {
  return parts.find((p) => p[key] !== undefined)?.[key];
}

const NO_GENERATE = zeroStats(GENERATE_COUNTERS);
const NO_MATCH = zeroStats(MATCH_COUNTERS);
const NO_STORE = zeroStats(STORE_COUNTERS);

/** The parts' counters; a stage this process does not run reports zeros (ingest: absent). */
export function statsSources(parts: readonly RolePart[], syslog: StatsSources['syslog']): StatsSources {
  return {
    ingest: () => find(parts, 'ingest')?.stats(),
    match: () => find(parts, 'match')?.() ?? NO_MATCH,
    generate: () => find(parts, 'generate')?.stats() ?? NO_GENERATE,
    store: () => find(parts, 'store')?.stats() ?? NO_STORE,
    llm: () => find(parts, 'generate')?.llm(),
    wal: () => find(parts, 'wal')?.(),
    threads: () => find(parts, 'threads')?.stats(),
    syslog,
  };
}

/** `parts` upstream first: the order /stats lists Kafka roles in and readiness is asked. */
export function serviceView(
  parts: readonly RolePart[],
  stats: StatsSources,
  draining: () => boolean,
  kafka: boolean,
): ServiceView {
  const ingest = find(parts, 'ingest');
  const threads = find(parts, 'threads');
  const generate = find(parts, 'generate');
  const store = find(parts, 'store')?.store;
  const curation = find(parts, 'curation');
  return {
    ...(curation === undefined ? {} : { curation }),
    ...(ingest === undefined ? {} : { ingest }),
    ...(threads === undefined ? {} : { threads }),
    stats,
    generatorName: generate?.generatorName ?? 'none',
    generateQueueMax: generate?.queueMax ?? 0,
    ...(store === undefined
      ? {}
      : {
          storageHealth: () => store.health(),
          reads: curatedReads(store),
        }),
    notReady: () => {
      for (const part of parts) {
        const reason = part.notReady?.();
        if (reason !== undefined) return `${part.role}: ${reason}`;
      }
      return undefined;
    },
    draining,
    ...(kafka
      ? {
          roles: parts.map((p) => p.role),
          kafka: () => Object.fromEntries(parts.map((p) => [p.role, p.kafka?.() ?? null])),
        }
      : {}),
  };
}
