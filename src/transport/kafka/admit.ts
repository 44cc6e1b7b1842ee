/**
 * The checks a log read from Kafka passes before any stage uses it. Services may produce
 * straight to logs.raw (and, carelessly, to logs.unmatched or logs.matched): such a record gets
 * the validation and normalisation of an HTTP log (org alphabet, text, sizes, years, level in
 * upper case), and what fails goes to the dead-letter topic with the reason, never into
 * storage or a template key.
 */
import type { ValidationLimits } from '../../config.ts';
import { validateLog, type LineFieldsFor } from '../../ingest/validate.ts';
import { DROPPED_MESSAGE } from '../../model/curation.ts';
import type { LogRecord, StoredLog } from '../../model/log.ts';
import { rowIdAt } from '../../model/row-id.ts';
import type { RecordOrigin } from './transform.ts';

/** A log refused with its reason (the dead letter's `x-dead-letter-reason`). */
export interface Refusal {
  refused: string;
}

/**
 * Admits `log` (normalised in place: it is a freshly decoded record, and other fields such as
 * its id or a stored log's template stay as they are) or says why not. `lineFieldsFor`: on
 * logs.raw, the orgs whose logs without a timestamp or level take them from the line.
 */
export function admitLog<T extends LogRecord>(
  log: T,
  limits: ValidationLimits,
  lineFieldsFor?: LineFieldsFor,
): T | Refusal {
  // A matched line its template's rule did not keep has no text (model/curation.ts): the rest of
  // it is checked as any log's.
  const stub = log.message === DROPPED_MESSAGE && (log as Partial<StoredLog>).templateId !== undefined;
  const result = validateLog(
    stub ? { ...log, message: 'stub' } : log,
    null,
    Date.now(),
    limits,
    true,
    lineFieldsFor,
  );
  if (!result.ok) {
    const { field, code, message } = result.problem;
    return { refused: `invalid log: ${field === '' ? '' : `${field}: `}${code}: ${message}` };
  }
  const id: unknown = log.id;
  // A row id is a UInt64 in decimal (schemas/log-record.v2.avsc); a JSON record could hold anything.
  if (id !== undefined && id !== '' && (typeof id !== 'string' || !/^\d{1,20}$/.test(id))) {
    return { refused: 'invalid log: id: INVALID_TYPE: a row id is a UInt64 in decimal text' };
  }
  Object.assign(log, result.log);
  if (stub) log.message = DROPPED_MESSAGE;
  if (id !== undefined) log.id = id;
  return log;
}

/**
 * A direct producer's record carries no row id: it gets the one its offset (and its place in
 * the record) names, the same in every replay (model/row-id.ts).
 */
export function giveRowIds(logs: readonly LogRecord[], origin: RecordOrigin): void {
  for (let i = 0; i < logs.length; i++) {
    const log = logs[i] as LogRecord;
    if (log.id === undefined || log.id === '') {
      log.id = rowIdAt(origin.topic, origin.partition, origin.offsets[i] as bigint, origin.subs[i]);
    }
  }
}
