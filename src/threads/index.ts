/**
 * The request path on several threads (issue 19, docs/decisions.md): what the HTTP layer and
 * the roles see of threads/. Bodies of at least MIN_BODY_BYTES go to a worker; smaller ones
 * cost more to send across than to parse where they are (measured: docs/benchmarks.md).
 */
import type { Framing } from '../ingest/body.ts';
import type { PreparedLogs } from '../ingest/stage.ts';
import type { ThreadStats } from './counters.ts';
import { ThreadPool, type ThreadPoolOptions } from './pool.ts';
import { preparedLogs, type SendClassified } from './route.ts';

export type { SendClassified } from './route.ts';
export type { ThreadStats } from './counters.ts';

/** Bodies smaller than this are parsed on the main thread. */
export const MIN_BODY_BYTES = 32 * 1024;
/** A compressed body is judged by its size times this: logs compress about that well. */
const COMPRESSION_RATIO = 8;

/** Whether a body of `bytes` (as received) is worth a worker thread. */
export function takesBody(bytes: number, compressed: boolean): boolean {
  return (compressed ? bytes * COMPRESSION_RATIO : bytes) >= MIN_BODY_BYTES;
}

/** A body's logs as a worker prepared them, with the orgs its logs name (for the key's check). */
export interface ThreadedLogs extends PreparedLogs {
  readonly namedOrgs: readonly string[];
  readonly namedOrgIndexes: readonly (number | null)[];
}

export interface RequestThreads {
  /** Whether a body of this many bytes (compressed or not) goes to a worker. */
  takes(bytes: number, compressed: boolean): boolean;
  /** Parses, validates, matches and encodes a body on a worker; throws what parsing would (400, 413, 415). */
  prepare(body: Buffer, framing: Framing, contentEncoding: string | undefined): Promise<ThreadedLogs>;
}

export interface RunningThreads extends RequestThreads {
  /** Every template change of the main thread's templates channel, for the workers' matchers. */
  templatesChanged: ThreadPool['templatesChanged'];
  stats(): ThreadStats;
  stop(deadline: number): Promise<void>;
}

export function startRequestThreads(options: ThreadPoolOptions, send: SendClassified): RunningThreads {
  const pool = new ThreadPool(options);
  return {
    takes: takesBody,
    async prepare(body, framing, contentEncoding) {
      const prepared = await pool.prepare(body, framing, contentEncoding, Date.now());
      return {
        ...preparedLogs(prepared, send),
        namedOrgs: prepared.namedOrgs,
        namedOrgIndexes: prepared.namedOrgIndexes,
      };
    },
    templatesChanged: (changes) => pool.templatesChanged(changes),
    stats: () => pool.stats(),
    stop: (deadline) => pool.stop(deadline),
  };
}
