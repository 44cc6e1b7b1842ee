/**
 * One HTTP server for whatever roles a process runs (Kafka mode): /health, /stats and /metrics
 * always; POST /logs/ingest with the ingest role; reads where there is storage. Each role is a
 * RolePart: its stages' counters, its readiness, and how it stops. Wiring only.
 */
import type { FastifyInstance } from 'fastify';
import type { Config, Role } from '../config.ts';
import type { LlmStats } from '../generate/llm/index.ts';
import { NO_GENERATE_STATS, type GenerateStats } from '../generate/stage.ts';
import { buildApp } from '../http/app.ts';
import { NO_INGEST_STATS, type IngestStage } from '../ingest/stage.ts';
import type { Logger } from '../logger.ts';
import type { MatchStats } from '../match/stage.ts';
import { createMetrics } from '../metrics.ts';
import type { Store, StoreStats } from '../store/stage.ts';

export interface RolePart {
  readonly role: Exclude<Role, 'all'>;
  readonly ingest?: IngestStage;
  readonly match?: () => MatchStats;
  readonly generate?: {
    stats(): GenerateStats;
    queueMax: number;
    generatorName: string;
    llm: () => LlmStats | undefined;
  };
  /** Storage this process owns (the writer; the ingest role with CLICKHOUSE_URL, for reads). */
  readonly store?: { store: Store; stats: () => StoreStats };
  /** Counters of the role's Kafka consumers, under `kafka.<role>` in /stats. */
  readonly kafka?: () => unknown;
  readonly notReady?: () => string | undefined;
  /** Stops consuming and producing; what was handled is committed. */
  stop(): Promise<void>;
}

export interface ServedRoles {
  readonly app: FastifyInstance;
  readonly parts: readonly RolePart[];
  stop(): Promise<void>;
}

const NO_MATCH: MatchStats = { templatesLoaded: 0, matched: 0, unmatched: 0 };
const NO_STORE: StoreStats = {
  bufferedRows: 0,
  inFlightRows: 0,
  flushes: 0,
  flushedRows: 0,
  writeErrors: 0,
  failing: false,
  bufferMaxRows: 0,
};

export async function serveRoles(
  config: Config,
  logger: Logger,
  parts: readonly RolePart[],
): Promise<ServedRoles> {
  const find = <K extends keyof RolePart>(key: K): RolePart[K] | undefined =>
    parts.find((p) => p[key] !== undefined)?.[key];
  const ingest = find('ingest');
  const match = find('match') ?? (() => NO_MATCH);
  const generate = find('generate');
  const store = find('store');
  const metrics = createMetrics({
    ingest: () => ingest?.stats() ?? NO_INGEST_STATS,
    match,
    generate: () => generate?.stats() ?? NO_GENERATE_STATS,
    store: () => store?.stats() ?? NO_STORE,
    llm: () => generate?.llm(),
  });
  let draining = false;
  const app = buildApp({
    bodyLimitBytes: config.http.bodyLimitBytes,
    auth: config.auth,
    logger: logger.child({ stage: 'http' }),
    metrics,
    view: {
      ...(ingest === undefined ? {} : { ingest }),
      match: { stats: match },
      generate: { stats: () => generate?.stats() ?? NO_GENERATE_STATS },
      store: { stats: () => store?.stats() ?? NO_STORE },
      generatorName: generate?.generatorName ?? 'none',
      llm: () => generate?.llm(),
      generateQueueMax: generate?.queueMax ?? 0,
      ...(store === undefined
        ? {}
        : {
            storageHealth: () => store.store.health(),
            reads: {
              listTemplates: (org: string) => store.store.listTemplates(org),
              queryLogs: (query) => store.store.queryLogs(query),
            },
          }),
      notReady: () => {
        for (const part of parts) {
          const reason = part.notReady?.();
          if (reason !== undefined) return `${part.role}: ${reason}`;
        }
        return undefined;
      },
      draining: () => draining,
      roles: parts.map((p) => p.role),
      kafka: () => Object.fromEntries(parts.map((p) => [p.role, p.kafka?.() ?? null])),
    },
  });
  await app.listen({ port: config.http.port, host: config.http.host });

  let stopping: Promise<void> | undefined;
  return {
    app,
    parts,
    stop() {
      stopping ??= (async () => {
        draining = true;
        ingest?.close();
        await app.close();
        // Upstream first: each stage stops after what feeds it, so nothing is left mid-way.
        for (const part of parts) await part.stop();
      })();
      return stopping;
    },
  };
}
