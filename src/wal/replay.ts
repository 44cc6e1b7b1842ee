/**
 * At start, before the service reports ready: the logs the write-ahead log holds and storage
 * does not are sent down the pipeline again (matched ones stored, the rest back to template
 * generation); the ones storage has are released. Exactly once also across a crash during
 * the replay itself, or between an insert and the deletion of its segment: a segment is
 * deleted only once every log in it is found stored, and stored rows are found by their ids.
 */
import type { Logger } from '../logger.ts';
import type { LogRecord, WalTag } from '../model/log.ts';
import type { WriteAheadLog } from './wal.ts';

export interface ReplayDeps {
  storedIds(logs: readonly LogRecord[], arrivedSince: number): Promise<Set<string>>;
  /** Matches the logs and sends them on, as for a request. */
  route(logs: readonly (LogRecord & WalTag)[]): void;
  /** Whether the write buffer and the held-log queue have room (a chunk may overshoot them once). */
  hasRoom(): boolean;
  /** Resolves once everything routed so far is stored. */
  flushed(): Promise<boolean>;
  logger: Logger;
  signal: AbortSignal;
}

/** Logs checked against storage in one query, and routed at once. */
const CHUNK = 10_000;
/** A clock set back since a segment began must not hide its stored rows from the check. */
const CLOCK_MARGIN_MS = 3_600_000;

export async function replayWal(
  wal: WriteAheadLog,
  deps: ReplayDeps,
): Promise<{ segments: number; replayed: number; alreadyStored: number }> {
  const totals = { segments: 0, replayed: 0, alreadyStored: 0 };
  for (const segment of wal.leftovers()) {
    totals.segments++;
    const since = segment.createdAt - CLOCK_MARGIN_MS;
    for (let at = 0; at < segment.logs.length; at += CHUNK) {
      if (deps.signal.aborted) return totals;
      const chunk = segment.logs.slice(at, at + CHUNK);
      const stored = await untilAnswered(() => deps.storedIds(chunk, since), deps);
      if (stored === undefined) return totals;
      const missing = chunk.filter((log) => !stored.has(log.id ?? ''));
      wal.release(chunk.filter((log) => stored.has(log.id ?? '')));
      await waitForRoom(deps);
      if (deps.signal.aborted) return totals;
      deps.route(missing);
      wal.replayed(missing.length);
      totals.replayed += missing.length;
      totals.alreadyStored += chunk.length - missing.length;
    }
  }
  if (totals.segments > 0) {
    deps.logger.info(totals, 'write-ahead log replayed: storing the logs storage did not have');
    await deps.flushed();
  }
  return totals;
}

/**
 * Storage may still be starting (a ClickHouse server) or briefly failing: the replay waits for
 * it rather than give up, since the service must not take new logs before it knows which of
 * the old ones are stored. Undefined once aborted (the service is stopping).
 */
async function untilAnswered<T>(ask: () => Promise<T>, deps: ReplayDeps): Promise<T | undefined> {
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      return await ask();
    } catch (err) {
      const waitMs = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      deps.logger.warn({ err, attempt, waitMs }, 'write-ahead log replay: storage did not answer, retrying');
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
  return undefined;
}

async function waitForRoom(deps: ReplayDeps): Promise<void> {
  while (!deps.hasRoom() && !deps.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
