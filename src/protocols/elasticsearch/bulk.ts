/**
 * The body of POST /_bulk: NDJSON, an action line (`{"create":{…}}`, `index`, `delete` or
 * `update`) and, but for `delete`, the document line after it. Read as Elasticsearch reads it:
 * an action line that is not one of those four is the whole request's error (400, nothing
 * stored); a document that is not a JSON object is that item's error alone. Blank lines between
 * items are skipped, and the last line may lack its newline (Elasticsearch 8 insists on it;
 * refusing a batch for it would help no one).
 */
import { BadRequestError } from '../../errors.ts';

export type BulkAction = 'create' | 'index' | 'delete' | 'update';

const ACTIONS: ReadonlySet<string> = new Set(['create', 'index', 'delete', 'update']);

/** One operation of the body, in order. */
export interface BulkItem {
  action: BulkAction;
  /** `_index` of the action line, else the index of the path; echoed in the item's result. */
  index: string;
  /** `_id` of the action line; undefined when the client let the server choose. */
  id: string | undefined;
  /** The document line, parsed; a string when it is not a JSON object (why not); undefined for delete. */
  document: Record<string, unknown> | string | undefined;
}

/** Past `maxItems` operations: the request is too large (the caller answers 413). */
export class TooManyItems extends Error {}

/** An action line that is malformed: the whole request is refused, as Elasticsearch does. */
function malformed(line: number, detail: string): BadRequestError {
  return new BadRequestError('MALFORMED_BULK', `Malformed action/metadata line [${line}], ${detail}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** The index the request names when the action line names none. */
export const DEFAULT_INDEX = 'log-ingest';

/**
 * The operations of a bulk body. `pathIndex`: the `{index}` of POST /{index}/_bulk. Throws
 * BadRequestError MALFORMED_BULK for a malformed action line, TooManyItems past `maxItems`.
 */
export function parseBulk(text: string, pathIndex: string | undefined, maxItems: number): BulkItem[] {
  // A malformed document line costs a SyntaxError; its stack trace is not wanted (see
  // ingest/body.ts logsFromNdjson, measured there).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseLines(text, pathIndex ?? DEFAULT_INDEX, maxItems);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

function parseLines(text: string, defaultIndex: string, maxItems: number): BulkItem[] {
  const items: BulkItem[] = [];
  let start = 0;
  let line = 0;
  /** The next line, trimmed, or undefined at the end of the body. */
  const next = (): string | undefined => {
    if (start > text.length) return undefined;
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    line++;
    return raw;
  };
  for (let raw = next(); raw !== undefined; raw = next()) {
    if (raw === '') continue;
    if (items.length === maxItems) throw new TooManyItems();
    const actionLine = line;
    const item = actionOf(raw, actionLine, defaultIndex);
    if (item.action !== 'delete') {
      const source = next();
      if (source === undefined || source === '') {
        throw malformed(actionLine, `the ${item.action} action has no document on the next line`);
      }
      item.document = documentOf(source);
    }
    items.push(item);
  }
  return items;
}

function actionOf(raw: string, line: number, defaultIndex: string): BulkItem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw malformed(line, `expected a JSON object: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformed(line, `expected START_OBJECT but found ${describe(parsed)}`);
  }
  const keys = Object.keys(parsed);
  const action = keys[0];
  if (keys.length !== 1 || action === undefined || !ACTIONS.has(action)) {
    const found = keys.length === 1 ? `[${String(action).slice(0, 64)}]` : `${keys.length} fields`;
    throw malformed(line, `expected one field, [create], [delete], [index] or [update], but found ${found}`);
  }
  const meta = (parsed as Record<string, unknown>)[action];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw malformed(line, `the ${action} action must be an object, got ${describe(meta)}`);
  }
  const { _index: index, _id: id } = meta as Record<string, unknown>;
  if (index !== undefined && typeof index !== 'string') throw malformed(line, `_index must be a string`);
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
    throw malformed(line, `_id must be a string`);
  }
  return {
    action: action as BulkAction,
    index: index === undefined || index === '' ? defaultIndex : index,
    id: id === undefined || id === null ? undefined : String(id),
    document: undefined,
  };
}

function documentOf(raw: string): Record<string, unknown> | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return `the document is not JSON: ${(err as Error).message}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `the document must be a JSON object, got ${describe(parsed)}`;
  }
  return parsed as Record<string, unknown>;
}
