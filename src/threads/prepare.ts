/**
 * What a worker thread does with one request body: everything the request path did on the main
 * thread before issue 19 that needs no state the main thread owns. It inflates and reads the
 * body, validates each log, gives it its row id, matches it against the worker's copy of the
 * templates and encodes the matched rows as the insert sends them. What stays with the main
 * thread: the org ceiling, room, the rate limit, the write-ahead log, the store.
 */
import { inflateBody } from '../http/inflate.ts';
import { logsFromText, tooManyLogs, utf8Text, type SubmittedLogs } from '../ingest/body.ts';
import { reportedProblems, validateBatch } from '../ingest/validate-batch.ts';
import type { LineFieldsFor } from '../ingest/validate.ts';
import type { MatchStage } from '../match/stage.ts';
import type { LogRecord } from '../model/log.ts';
import { newRowIds } from '../model/row-id.ts';
import { encodeInsertLine } from '../store/format.ts';
import { recordHead } from '../wal/codec.ts';
import { RECORD_HEADER_BYTES, RecordFramer } from '../wal/format.ts';
import type { BodyJob, FromWorker, PreparedBody, SerializedError, WorkerSettings } from './protocol.ts';

export const ROW_MATCHED = 0;
export const ROW_OVER_TOKEN_LIMIT = 1;
export const ROW_DROPPED_BY_RULE = 2;

export async function prepareBody(
  job: BodyJob,
  settings: Pick<WorkerSettings, 'limits' | 'maxLogs' | 'bodyLimit' | 'frameRecords'>,
  match: Pick<MatchStage, 'classify'>,
  lineFields?: LineFieldsFor,
): Promise<FromWorker> {
  try {
    const raw = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const text = utf8Text(await inflateBody(job.contentEncoding, raw, settings.bodyLimit));
    const submitted = logsFromText(text, job.framing, settings.maxLogs);
    if (submitted.items.length > settings.maxLogs)
      throw tooManyLogs(settings.maxLogs, submitted.items.length);
    // Every problem: the main thread merges in the org ceiling's and caps the list once.
    const reported = reportedProblems(submitted);
    const { logs, indexes, problems, failed } = validateBatch(
      { ...submitted, everyProblem: true },
      job.at,
      settings.limits,
      undefined,
      lineFields,
    );
    return {
      ...classifyAndEncode(logs, match, settings.frameRecords),
      ...namedOrgs(submitted),
      kind: 'prepared',
      id: job.id,
      failed,
      problems,
      reported,
      indexes: Int32Array.from(indexes, (index) => index ?? -1),
    };
  } catch (err) {
    return { kind: 'refused', id: job.id, error: serializeError(err) };
  }
}

function classifyAndEncode(logs: LogRecord[], match: Pick<MatchStage, 'classify'>, frameRecord: boolean) {
  const ids = newRowIds(logs.length);
  for (let i = 0; i < logs.length; i++) logs[i]!.id = ids[i]!;
  const { rows, misses } = match.classify(logs);
  const rowAt = new Uint32Array(rows.length);
  const missAt = new Uint32Array(misses.length);
  // classify() keeps the order of the logs, each one a row or a miss (the miss is the log itself).
  for (let i = 0, r = 0, m = 0; i < logs.length; i++) {
    if (misses[m] === logs[i]) missAt[m++] = i;
    else rowAt[r++] = i;
  }
  const rowKinds = new Uint8Array(rows.length);
  const lineEnds = new Uint32Array(rows.length);
  let lines = '';
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    // A stub has lost its message to its rule (match/ingest-rules.ts); a message is never empty.
    rowKinds[k] =
      row.templateId === 0 ? ROW_OVER_TOKEN_LIMIT : row.message === '' ? ROW_DROPPED_BY_RULE : ROW_MATCHED;
    lines += encodeInsertLine(row);
    lineEnds[k] = lines.length;
  }
  return {
    // With a record, the lines cross only inside it (transferred): the main thread never decodes them.
    ...(frameRecord ? { ...framedRecord(misses, lines), lines: '' } : { lines, linesAt: 0 }),
    ...orgRuns(logs),
    rowAt,
    rowKinds,
    lineEnds,
    misses,
    missAt,
  };
}

/**
 * The logs' orgs as runs: a batch is nearly always of one org, and a string per log cost the
 * structured clone 70-90 ns per log (docs/benchmarks.md, "CPU per log on the batch path").
 */
function orgRuns(logs: readonly LogRecord[]): Pick<PreparedBody, 'orgRuns' | 'orgRunEnds'> {
  const runs: string[] = [];
  const ends: number[] = [];
  for (let i = 0; i < logs.length; i++) {
    const org = logs[i]!.org;
    if (runs.length > 0 && runs[runs.length - 1] === org) ends[ends.length - 1] = i + 1;
    else {
      runs.push(org);
      ends.push(i + 1);
    }
  }
  return { orgRuns: runs, orgRunEnds: Uint32Array.from(ends) };
}

/** One per worker: framing is synchronous, and its buffer is reused from request to request. */
const framer = new RecordFramer();

/**
 * The request's WAL record as wal/stage.ts frames it, in an ArrayBuffer of its own (it is
 * transferred), and where its insert lines begin in it.
 */
function framedRecord(misses: readonly LogRecord[], lines: string): Pick<PreparedBody, 'record' | 'linesAt'> {
  const head = recordHead(misses);
  framer.add(head, [lines]);
  const record = new Uint8Array(framer.take());
  framer.shrink();
  return { record, linesAt: RECORD_HEADER_BYTES + Buffer.byteLength(head) };
}

/** The orgs a body's logs name, each with its first index (see PreparedBody.namedOrgs). */
function namedOrgs(submitted: SubmittedLogs): Pick<PreparedBody, 'namedOrgs' | 'namedOrgIndexes'> {
  const seen = new Map<string, number | null>();
  const { items } = submitted;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null || typeof item !== 'object') continue;
    const org = (item as Record<string, unknown>)['org'];
    if (typeof org !== 'string' || org.trim() === '' || seen.has(org)) continue;
    seen.set(org, submitted.single ? null : (submitted.indexes?.[i] ?? i));
  }
  return { namedOrgs: [...seen.keys()], namedOrgIndexes: [...seen.values()] };
}

function serializeError(err: unknown): SerializedError {
  const e = err as Partial<SerializedError> & { name?: string; message?: string };
  return {
    name: e.name ?? 'Error',
    message: e.message ?? String(err),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
    ...(Array.isArray(e.problems) ? { problems: e.problems } : {}),
    ...(typeof e.limit === 'number' ? { limit: e.limit } : {}),
  };
}
