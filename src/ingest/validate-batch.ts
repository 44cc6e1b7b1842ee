import type { ValidationLimits } from '../config.ts';
import type { FieldProblem } from '../errors.ts';
import type { LogRecord } from '../model/log.ts';
import { MalformedLine, type SubmittedLogs } from './body.ts';
import { validateLog, type LineFieldsFor, type ValidationResult } from './validate.ts';

/** At most this many problems are listed in one response; `failed` still counts them all. */
export const MAX_REPORTED_PROBLEMS = 100;

/** The logs of a request checked one by one: the valid ones, and what was wrong with the others. */
export interface ValidatedBatch {
  logs: LogRecord[];
  /** Per valid log, its index in the request (null: a lone log), for problems found later. */
  indexes: (number | null)[];
  problems: FieldProblem[];
  failed: number;
}

/**
 * Validates every log of a request. `admit` (the org ceiling, on the thread that owns it) may
 * refuse a valid log with a problem of its own; a worker thread passes none and the owner
 * applies it to the result (ingest/stage.ts).
 */
export function validateBatch(
  submitted: SubmittedLogs,
  at: number,
  limits: ValidationLimits,
  admit?: (log: LogRecord, index: number | null) => FieldProblem | undefined,
  lineFieldsFor?: LineFieldsFor,
): ValidatedBatch {
  const logs: LogRecord[] = [];
  const indexes: (number | null)[] = [];
  const problems: FieldProblem[] = [];
  let failed = 0;
  const { items } = submitted;
  const checkText = submitted.surrogateEscapes !== false;
  const reported = reportedProblems(submitted);
  for (let i = 0; i < items.length; i++) {
    const index = submitted.single ? null : (submitted.indexes?.[i] ?? i);
    const result = validateItem(items[i], index, at, limits, checkText, lineFieldsFor);
    const refused = result.ok ? admit?.(result.log, index) : result.problem;
    if (result.ok && refused === undefined) {
      logs.push(result.log);
      indexes.push(index);
    } else {
      failed++;
      if (problems.length < reported && refused !== undefined) problems.push(refused);
    }
  }
  return { logs, indexes, problems, failed };
}

/** How many problems the answer lists (SubmittedLogs.everyProblem). */
export function reportedProblems(submitted: SubmittedLogs): number {
  return submitted.everyProblem === true ? Number.POSITIVE_INFINITY : MAX_REPORTED_PROBLEMS;
}

/** A log as submitted: an NDJSON line that did not parse fails here, the rest in validateLog. */
function validateItem(
  item: unknown,
  index: number | null,
  now: number,
  limits: ValidationLimits,
  checkText: boolean,
  lineFieldsFor: LineFieldsFor | undefined,
): ValidationResult {
  if (item instanceof MalformedLine) {
    return {
      ok: false,
      problem: { index, field: '', code: 'MALFORMED_JSON', message: `malformed JSON: ${item.reason}` },
    };
  }
  return validateLog(item, index, now, limits, checkText, lineFieldsFor);
}
