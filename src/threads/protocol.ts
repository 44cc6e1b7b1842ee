/**
 * What the main thread and the request path's worker threads say to each other (pool.ts,
 * worker.ts). Plain data only: it crosses threads by structured clone, and a body's bytes by
 * transfer. The rows come back encoded as the insert sends them, in one string, so the main
 * thread copies one string per request instead of cloning an object per log.
 */
import type { ValidationLimits } from '../config.ts';
import type { FieldProblem } from '../errors.ts';
import type { Curation } from '../model/curation.ts';
import type { LogRecord } from '../model/log.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { Template } from '../model/template.ts';

/** How a worker starts (workerData). */
export interface WorkerSettings {
  readonly limits: ValidationLimits;
  /** LINE_FIELDS*: which orgs' logs take a missing timestamp or level from the line. */
  readonly lineFields: { readonly on: boolean; readonly offOrgs: readonly string[] };
  readonly maxLogs: number;
  readonly bodyLimit: number;
  /** The templates and their curations the main thread's matcher holds at the worker's start. */
  readonly templates: readonly Template[];
  readonly curations: readonly Curation[];
  readonly orgIdleUnloadSecs: number;
  readonly logLevel: string;
  /** With a write-ahead log: each body's record is framed on the worker (PreparedBody.record). */
  readonly frameRecords: boolean;
}

/** One request body to parse, validate, match and encode. */
export interface BodyJob {
  readonly kind: 'job';
  readonly id: number;
  readonly body: Uint8Array;
  readonly framing: 'json' | 'ndjson';
  readonly contentEncoding: string | undefined;
  /** The request's arrival, epoch ms: a log without a timestamp is stored with it. */
  readonly at: number;
}

/** Template changes published on the main thread's templates channel, for the worker's matcher. */
export interface TemplatesMessage {
  readonly kind: 'templates';
  readonly changes: readonly TemplateChange[];
}

export type ToWorker = BodyJob | TemplatesMessage;

/** A worker's answer to a job whose body could be read: its logs, validated, matched and encoded. */
export interface PreparedBody {
  readonly kind: 'prepared';
  readonly id: number;
  readonly failed: number;
  /** Every validation problem, in request order (the ingest stage caps the list). */
  readonly problems: FieldProblem[];
  readonly reported: number;
  /**
   * Each org named by any log of the body (valid or not), with the index of its first log: what
   * the API key's orgs are checked against (http/auth.ts), as the main thread checks a body it parsed.
   */
  readonly namedOrgs: string[];
  readonly namedOrgIndexes: (number | null)[];
  /**
   * The valid logs' orgs, as runs of logs of one org: orgRuns[r] for the logs before
   * orgRunEnds[r] (and from the end of the run before). Runs, not a string per log, as the
   * row ids are not sent (they are in the insert lines): each string costs the clone.
   */
  readonly orgRuns: string[];
  readonly orgRunEnds: Uint32Array;
  /** Per valid log, its index in the request; -1 for a lone log (null in PreparedLogs). */
  readonly indexes: Int32Array;
  /** Rows (matched logs, stubs, and logs too long for a template), each with its valid-log position. */
  readonly rowAt: Uint32Array;
  /** Per row: 0 matched, 1 stored without a template for its length, 2 a stub by its ingest rule. */
  readonly rowKinds: Uint8Array;
  /**
   * The rows' insert lines, one after the other; row k ends at lineEnds[k] (UTF-16 units). ''
   * with a record: then they are its bytes from linesAt on, and a string only if the main
   * thread must take some rows out (the org ceiling refused some logs).
   */
  readonly lines: string;
  readonly lineEnds: Uint32Array;
  readonly linesAt: number;
  /** Logs no template matched (with their row ids), each with its valid-log position. */
  readonly misses: LogRecord[];
  readonly missAt: Uint32Array;
  /**
   * The request's write-ahead-log record, framed (wal/format.ts): length, checksum, the misses
   * and the insert lines as wal/stage.ts would write them. Absent without a WAL. Transferred.
   */
  readonly record?: Uint8Array;
}

/** A job whose body was refused as a whole (malformed, too large, too many logs, ...). */
export interface RefusedBody {
  readonly kind: 'refused';
  readonly id: number;
  readonly error: SerializedError;
}

export type FromWorker = PreparedBody | RefusedBody;

/** An error as it crosses threads: enough to make the same one again (see pool.ts). */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly statusCode?: number;
  readonly problems?: FieldProblem[];
  readonly limit?: number;
}
