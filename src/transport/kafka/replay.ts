/**
 * Replay: re-processes a range of a log topic (logs.raw by default) through matching into
 * storage, with the templates known now: for re-matching history after templates improved.
 *
 * No duplicates: every log reaches storage with a fixed row id (set at ingest, or derived from
 * its topic, partition and offset when a direct producer sent none), and a replayed log
 * *replaces* the row with its id (delete, then insert; store.replaceLogs). Running the same
 * replay twice, or again after a crash half-way, leaves each log stored once. What replay
 * cannot see are logs of the range still on their way through the pipeline (matched but not yet
 * written): replay a range the writer has already stored (its lag is 0), as the README says.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { Matcher, MatcherSnapshot } from '../../match/index.ts';
import { toStoredLog } from '../../match/stage.ts';
import { hasMoreTokensThan } from '../../match/tokenize.ts';
import { MAX_TEMPLATE_TOKENS } from '../../model/template.ts';
import type { LogRecord, StoredLog } from '../../model/log.ts';
import { rowIdAt } from '../../model/row-id.ts';
import { admitLog } from './admit.ts';
import { decodeRawRecord } from './raw-formats.ts';
import { serdes, templatesTopic } from './connect.ts';
import { startStore } from '../../store/stage.ts';
import { createKafka, type Kafka, type OffsetRange } from './client/index.ts';

/** Where a range starts or ends: an offset (the same in every partition) or a time. */
export type Position = { offset: bigint } | { timestamp: number };

export interface ReplayOptions {
  /** Default: KAFKA_TOPIC_RAW. */
  topic?: string;
  /** Default: every partition. */
  partitions?: readonly number[];
  /** Default: the first offset still in the topic. */
  from?: Position;
  /** Exclusive. Default: the end of each partition when the replay starts. */
  to?: Position;
  onProgress?: (progress: ReplayProgress) => void;
}

export interface ReplayProgress {
  /** Records read so far, and in all ranges. */
  done: number;
  total: number;
  matched: number;
  unmatched: number;
  undecodable: number;
}

export interface ReplaySummary extends ReplayProgress {
  topic: string;
  ranges: Array<{ partition: number; from: string; to: string }>;
  templates: number;
  /** Rows written (each replacing the row stored before with the same id, if any). */
  rowsReplaced: number;
  seconds: number;
}

const INSERT_ATTEMPTS = 5;

export async function replay(
  config: Config,
  logger: Logger,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const brokers = config.kafka.brokers;
  if (brokers === undefined) throw new Error('replay reads Kafka: set KAFKA_BROKERS');
  const started = Date.now();
  const topic = options.topic ?? config.kafka.topics.raw;
  const kafka = createKafka({ brokers, clientId: `${config.kafka.clientId}-replay` });
  try {
    const snapshot = await currentTemplates(kafka, config, logger);
    const ranges = await rangesOf(kafka, topic, options);
    const total = ranges.reduce((sum, r) => sum + Number(r.to - r.from), 0);
    const progress: ReplayProgress = { done: 0, total, matched: 0, unmatched: 0, undecodable: 0 };
    let rowsReplaced = 0;
    const runId = randomUUID().slice(0, 8);
    const codec = serdes.logRecord();
    const store = await startStore(config.clickhouse, { logger: logger.child({ stage: 'store' }) });
    try {
      await kafka.readRange(topic, ranges, async (batch) => {
        const rows: StoredLog[] = [];
        for (const m of batch.messages) {
          // Read and checked as the matcher does: what it refused is refused again.
          let decoded: LogRecord[];
          try {
            decoded = decodeRawRecord(m, codec) as LogRecord[];
          } catch {
            progress.undecodable++;
            continue;
          }
          for (let sub = 0; sub < decoded.length; sub++) {
            const log = admitLog(decoded[sub]!, config.limits);
            if ('refused' in log) {
              progress.undecodable++;
              continue;
            }
            if (log.id === undefined || log.id === '')
              log.id = rowIdAt(topic, batch.partition, m.offset, sub);
            const match = snapshot.match(log.org, log.message);
            if (match === undefined) progress.unmatched++;
            else progress.matched++;
            rows.push(
              toStoredLog(
                log,
                match ??
                  (hasMoreTokensThan(log.message, MAX_TEMPLATE_TOKENS)
                    ? 'over_token_limit'
                    : 'replay_unmatched'),
              ),
            );
          }
        }
        if (rows.length > 0) {
          const first = batch.messages[0]?.offset;
          const last = batch.messages.at(-1)?.offset;
          // A fresh token per attempt: each attempt deletes first, so an earlier attempt whose
          // insert did land is removed, and its token must not make this insert a no-op.
          await withRetries(
            (attempt) =>
              store.replaceLogs(
                rows,
                `replay:${runId}:${topic}:${batch.partition}:${first}-${last}:${attempt}`,
              ),
            logger,
          );
          rowsReplaced += rows.length;
        }
        progress.done += batch.messages.length;
        options.onProgress?.({ ...progress });
      });
    } finally {
      await store.stop();
    }
    return {
      ...progress,
      topic,
      ranges: ranges.map((r) => ({ partition: r.partition, from: String(r.from), to: String(r.to) })),
      templates: snapshot.size,
      rowsReplaced,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await kafka.close();
  }
}

/** Every template the templates topic holds now (tombstones applied), read as every matcher reads it. */
async function currentTemplates(kafka: Kafka, config: Config, logger: Logger): Promise<MatcherSnapshot> {
  const matcher = new Matcher(MatcherSnapshot.empty());
  const templates = templatesTopic(kafka, config, logger);
  templates.subscribe((changes) => {
    for (const c of changes) {
      if (c.kind === 'upsert') matcher.apply([c.template]);
      else if (c.kind === 'delete') matcher.apply([], [{ org: c.org, id: c.id }]);
    }
  });
  try {
    await templates.caughtUp;
  } finally {
    await templates.close();
  }
  return matcher.current;
}

async function rangesOf(kafka: Kafka, topic: string, options: ReplayOptions): Promise<OffsetRange[]> {
  const [starts, ends] = await Promise.all([kafka.admin.startOffsets(topic), kafka.admin.endOffsets(topic)]);
  const at = async (position: Position | undefined, fallback: bigint[]): Promise<bigint[]> => {
    if (position === undefined) return fallback;
    if ('offset' in position) return fallback.map(() => position.offset);
    return kafka.admin.offsetsForTime(topic, position.timestamp);
  };
  const from = await at(options.from, starts);
  const to = await at(options.to, ends);
  const partitions = options.partitions ?? ends.map((_, p) => p);
  return partitions.map((p) => {
    if (p < 0 || p >= ends.length) throw new Error(`${topic} has no partition ${p} (it has ${ends.length})`);
    const lo = (from[p] ?? 0n) < (starts[p] ?? 0n) ? (starts[p] ?? 0n) : (from[p] ?? 0n);
    const hi = (to[p] ?? 0n) > (ends[p] ?? 0n) ? (ends[p] ?? 0n) : (to[p] ?? 0n);
    return { partition: p, from: lo, to: hi < lo ? lo : hi };
  });
}

async function withRetries(fn: (attempt: number) => Promise<void>, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= INSERT_ATTEMPTS) throw err;
      logger.warn({ attempt, err: (err as Error).message }, 'storage refused a replayed batch: retrying');
      await sleep(500 * 2 ** attempt);
    }
  }
}
