/**
 * A body a worker prepared, back on the main thread: the rows it encoded become one entry of
 * the write buffer (its insert lines as they came: with a write-ahead log, the part of the
 * record that holds them), less the logs the org ceiling refused. No object per row and no
 * string of the lines: the writer needs only their bytes.
 */
import type { PreparedLogs } from '../ingest/stage.ts';
import type { Classified } from '../match/stage.ts';
import type { InsertEntry } from '../model/insert-entry.ts';
import type { LogRecord } from '../model/log.ts';
import { ROW_DROPPED_BY_RULE, ROW_OVER_TOKEN_LIMIT } from './prepare.ts';
import type { PreparedBody } from './protocol.ts';

/**
 * Records and sends on a request's classified logs, the rows as their entry (wal/stage.ts, or
 * the match stage without a WAL); `record`, when given, is their WAL record, framed.
 */
export type SendClassified = (
  classified: Classified<InsertEntry>,
  record: Uint8Array | undefined,
) => number | Promise<number>;

export function preparedLogs(body: PreparedBody, send: SendClassified): PreparedLogs {
  const orgs = orgsOf(body);
  return {
    problems: body.problems,
    failed: body.failed,
    orgs,
    indexes: Array.from(body.indexes, (index) => (index < 0 ? null : index)),
    reported: body.reported,
    route: (refused) =>
      // The record the worker framed holds every valid log: with some refused, it is made again.
      send(unpack(body, refused), refused === undefined ? body.record : undefined),
  };
}

/** Per valid log, its org, from the runs the worker sent. */
function orgsOf(body: PreparedBody): string[] {
  const orgs = new Array<string>(body.orgRunEnds[body.orgRunEnds.length - 1] ?? 0);
  for (let r = 0, start = 0; r < body.orgRuns.length; r++) {
    const end = body.orgRunEnds[r]!;
    orgs.fill(body.orgRuns[r]!, start, end);
    start = end;
  }
  return orgs;
}

function unpack(body: PreparedBody, refused: ReadonlySet<number> | undefined): Classified<InsertEntry> {
  let overLimit = 0;
  let dropped = 0;
  let rows = 0;
  // With some refused, the lines of the others are taken out of the text (made from the record's bytes).
  const all = refused === undefined ? '' : linesText(body);
  let kept = '';
  let start = 0;
  for (let k = 0; k < body.rowAt.length; k++) {
    const end = body.lineEnds[k]!;
    if (refused === undefined || !refused.has(body.rowAt[k]!)) {
      const kind = body.rowKinds[k];
      if (kind === ROW_OVER_TOKEN_LIMIT) overLimit++;
      else if (kind === ROW_DROPPED_BY_RULE) dropped++;
      if (refused !== undefined) kept += all.slice(start, end);
      rows++;
    }
    start = end;
  }
  const misses: LogRecord[] =
    refused === undefined ? body.misses : body.misses.filter((_, m) => !refused.has(body.missAt[m]!));
  // Nothing refused (the usual case): the worker's lines as they came, no copy.
  const lines =
    refused !== undefined
      ? kept
      : body.record === undefined
        ? body.lines
        : body.record.subarray(body.linesAt);
  return { rows: { lines, rows, walSegment: 0 }, misses, overLimit, dropped };
}

/** The worker's insert lines as text: in its record when it framed one. */
function linesText(body: PreparedBody): string {
  const { record } = body;
  if (record === undefined) return body.lines;
  return Buffer.from(record.buffer, record.byteOffset, record.byteLength).toString('utf8', body.linesAt);
}
