/**
 * The write-ahead log as the standalone ingest role uses it: logs get their row ids and are
 * appended before they are matched and answered; at start the leftovers of the last run are
 * replayed, and until that is done the service is not ready and ingestion answers 503.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { LogRecord } from '../model/log.ts';
import { newRowIds } from '../model/row-id.ts';
import type { Classified, MatchStage } from '../match/stage.ts';
import { encodeInsertLine } from '../store/format.ts';
import type { InsertEntry } from '../model/insert-entry.ts';
import { recordHead } from './codec.ts';
import type { WalStats } from './counters.ts';
import { replayWal, type ReplayDeps } from './replay.ts';
import { WriteAheadLog, type WalIo } from './wal.ts';

export type { WalStats } from './counters.ts';
export { WAL_COUNTERS } from './counters.ts';

export interface WalStage {
  /** Matches, appends, then sends on (IngestDeps.route): once written (`write`), or after the group fsync. */
  route(logs: readonly LogRecord[]): number | Promise<number>;
  /**
   * The same for logs matched and encoded elsewhere (a request thread, threads/), the rows as
   * their entry. `record`: the request's WAL record as that thread framed it (RecordFramer),
   * written as it is.
   */
  routeClassified(classified: Classified<InsertEntry>, record?: Uint8Array): Promise<number>;
  /** The ceiling, or the replay still running. */
  whyNoRoom(): string | undefined;
  /** Until the replay is done. */
  notReady(): string | undefined;
  /** Stored rows: their segments are deleted once wholly stored. */
  release(entries: readonly InsertEntry[]): void;
  stats(): WalStats;
  /** Stops the replay and closes the active segment; release() keeps working for the drain. */
  stop(): Promise<void>;
}

export interface WalDeps extends Omit<ReplayDeps, 'signal' | 'route'> {
  /** The match stage: the request's logs are matched, recorded, then sent on. */
  match: Pick<MatchStage, 'route' | 'classify' | 'publish'>;
  retryAfterSecs: number;
  logger: Logger;
  io?: WalIo;
}

export function startWal(config: Config['wal'] & { sync: 'write' | 'fsync' }, deps: WalDeps): WalStage {
  const { logger } = deps;
  const wal = WriteAheadLog.open({
    dir: config.dir,
    sync: config.sync,
    maxBytes: config.maxBytes,
    segmentBytes: config.segmentBytes,
    retryAfterSecs: deps.retryAfterSecs,
    logger,
    ...(deps.io === undefined ? {} : { io: deps.io }),
  });
  const abort = new AbortController();
  let replaying: string | undefined = 'replaying the write-ahead log';
  const replay = replayWal(wal, {
    ...deps,
    route: (logs) => void deps.match.route(logs),
    signal: abort.signal,
  }).then(
    () => {
      replaying = undefined;
    },
    (err: unknown) => {
      // Not storage (the replay waits for it): a record it cannot place. The logs stay in the
      // WAL for the next start; this run takes no new ones on top of logs it could not place.
      replaying = 'the write-ahead log could not be replayed (the service log says why)';
      logger.error({ err }, 'write-ahead log replay failed; restart once storage answers');
    },
  );
  logger.info({ dir: config.dir, sync: config.sync }, 'write-ahead log open');

  const routeClassified = (classified: Classified<InsertEntry>, record?: Uint8Array): Promise<number> => {
    const { rows, misses } = classified;
    const carriers = [[rows], misses];
    const logs = rows.rows + misses.length;
    const appended =
      record === undefined
        ? wal.append(recordHead(misses), [rows.lines], carriers, logs)
        : wal.appendFramed(record, carriers, logs);
    return appended.then(() => deps.match.publish(classified));
  };

  return {
    route(logs) {
      const ids = newRowIds(logs.length);
      for (let i = 0; i < logs.length; i++) (logs[i] as LogRecord).id = ids[i]!;
      // Matched before the record is written, sent on only after: the record holds the
      // matched rows as the insert will send them (codec.ts), and a refused append sends
      // nothing on.
      const { rows, ...classified } = deps.match.classify(logs);
      // From here the rows travel as their insert lines (the insert sends them as they are),
      // one string for the request: the row objects die young.
      let text = '';
      for (const row of rows) text += encodeInsertLine(row);
      return routeClassified({ ...classified, rows: { lines: text, rows: rows.length, walSegment: 0 } });
    },
    routeClassified,
    whyNoRoom: () => replaying ?? wal.whyNoRoom(),
    notReady: () => replaying,
    release: (entries) => {
      for (const entry of entries) wal.releaseRows(entry.walSegment ?? 0, entry.rows);
    },
    stats: () => wal.stats(),
    async stop() {
      abort.abort();
      await replay;
      await wal.close();
    },
  };
}
