/**
 * A body a worker prepared, back on the main thread: the rows it encoded become the stored
 * rows the write-ahead log and the writer take (message and fields already in their insert
 * line, as wal/stage.ts leaves them), less the logs the org ceiling refused.
 */
import type { PreparedLogs } from '../ingest/stage.ts';
import type { Classified } from '../match/stage.ts';
import type { LogRecord, StoredLog, WalTag } from '../model/log.ts';
import { ROW_DROPPED_BY_RULE, ROW_OVER_TOKEN_LIMIT } from './prepare.ts';
import type { PreparedBody } from './protocol.ts';

const NO_METADATA: Record<string, string> = Object.freeze({});
const NO_VARIABLES: string[] = Object.freeze([]) as unknown as string[];

/**
 * Records and sends on a request's classified logs with their insert lines (wal/stage.ts, or
 * the match stage without a WAL); `record`, when given, is their WAL record, framed.
 */
export type SendClassified = (
  classified: Classified,
  lines: string[],
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
    route: (refused) => {
      const { classified, lines } = unpack(body, orgs, refused);
      // The record the worker framed holds every valid log: with some refused, it is made again.
      return send(classified, lines, refused === undefined ? body.record : undefined);
    },
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

function unpack(body: PreparedBody, orgs: readonly string[], refused: ReadonlySet<number> | undefined) {
  const rows: (StoredLog & WalTag)[] = [];
  const lines: string[] = [];
  let overLimit = 0;
  let dropped = 0;
  let start = 0;
  for (let k = 0; k < body.rowAt.length; k++) {
    const end = body.lineEnds[k]!;
    const at = body.rowAt[k]!;
    if (refused === undefined || !refused.has(at)) {
      const line = body.lines.slice(start, end);
      const kind = body.rowKinds[k];
      if (kind === ROW_OVER_TOKEN_LIMIT) overLimit++;
      else if (kind === ROW_DROPPED_BY_RULE) dropped++;
      lines.push(line);
      // The shape toStoredLog (match/stage.ts) makes, so the writer's loop stays monomorphic.
      rows.push({
        timestamp: body.rowTimestamps[k]!,
        org: orgs[at]!,
        dashboard: '',
        service: '',
        host: '',
        level: '',
        message: '',
        metadata: NO_METADATA,
        // In its insert line, which is what the writer sends; here a worker's row goes nowhere else.
        id: '',
        walSegment: 0,
        insertLine: line,
        templateId: body.rowTemplateIds[k]!,
        variables: NO_VARIABLES,
        untemplatedReason: kind === ROW_OVER_TOKEN_LIMIT ? 'over_token_limit' : '',
      });
    }
    start = end;
  }
  const misses: LogRecord[] =
    refused === undefined ? body.misses : body.misses.filter((_, m) => !refused.has(body.missAt[m]!));
  const classified: Classified = { rows, misses, overLimit, dropped };
  return { classified, lines };
}
