/**
 * An Elasticsearch document as our log. The text is `message`, else `log`, else `msg` (Filebeat
 * and ECS write `message`, Fluent Bit's tail of container logs `log`, Go and pino loggers
 * `msg`); `@timestamp` (else `timestamp`, Vector's own name) is ISO 8601 or epoch
 * milliseconds; `log.level` (else `level`), `service.name` and `host.name` are the labels, each
 * either a dotted key or ECS's nested object, and a plain `service` / `host` string counts too.
 * Everything else is metadata, nested objects flattened to dotted keys (ECS documents are
 * nested: `{"log":{"file":{"path":…}}}` is the key `log.file.path`), so one key a field as
 * Elasticsearch would name it. Validation (ingest/validate.ts) then applies the limits on keys
 * and bytes and writes each value as text.
 */

type Json = Record<string, unknown>;

/** Nested objects deeper than this stay one key with the object's JSON text. */
export const MAX_FLATTEN_DEPTH = 16;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields taken out of a document for the log's own fields; the rest is metadata. */
const MESSAGE_KEYS = ['message', 'log', 'msg'] as const;
const TIMESTAMP_KEYS = ['@timestamp', 'timestamp'] as const;
const LEVEL_PATHS = [['log', 'level'], ['level']] as const;
const SERVICE_PATHS = [['service', 'name'], ['service']] as const;
const HOST_PATHS = [['host', 'name'], ['host']] as const;

/**
 * The first of `paths` whose value is a string: a dotted key (`"log.level"`) or the nested
 * object (`{"log":{"level":…}}`), in that order. Returns the value and where it was.
 */
function findText(
  doc: Json,
  paths: ReadonlyArray<readonly string[]>,
): { value: string; path: readonly string[] } | undefined {
  for (const path of paths) {
    const dotted = Object.hasOwn(doc, path.join('.')) ? doc[path.join('.')] : undefined;
    if (typeof dotted === 'string') return { value: dotted, path: [path.join('.')] };
    if (path.length === 1) continue;
    let node: unknown = doc;
    for (const step of path) node = isObject(node) && Object.hasOwn(node, step) ? node[step] : undefined;
    if (typeof node === 'string') return { value: node, path };
  }
  return undefined;
}

/** Whether `key` at `prefix` is one of the taken paths (matched exactly, not as a prefix). */
function isTaken(taken: ReadonlyArray<readonly string[]>, prefix: readonly string[], key: string): boolean {
  return taken.some(
    (path) =>
      path.length === prefix.length + 1 &&
      path[prefix.length] === key &&
      prefix.every((p, i) => path[i] === p),
  );
}

/**
 * The document's fields but the taken ones, nested objects flattened to dotted keys. Arrays
 * and objects past MAX_FLATTEN_DEPTH stay values (stored as their JSON text); null values are
 * dropped, as validation drops them.
 */
function flatten(doc: Json, taken: ReadonlyArray<readonly string[]>): Record<string, unknown> {
  // No prototype: a field named __proto__ is stored like any other.
  const out = Object.create(null) as Record<string, unknown>;
  const walk = (node: Json, prefix: string[]): void => {
    for (const key of Object.keys(node)) {
      if (isTaken(taken, prefix, key)) continue;
      const value = node[key];
      if (value === null || value === undefined) continue;
      if (isObject(value) && prefix.length < MAX_FLATTEN_DEPTH) {
        prefix.push(key);
        walk(value, prefix);
        prefix.pop();
      } else {
        out[prefix.length === 0 ? key : `${prefix.join('.')}.${key}`] = value;
      }
    }
  };
  walk(doc, []);
  return out;
}

/** Epoch milliseconds as Elasticsearch's `epoch_millis` format also takes them: in a string. */
function timestampOf(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return value;
}

/**
 * The log POST /logs/ingest would have received for this document (validated downstream), in
 * `org`. A document with no message text is passed on without one: validation refuses it
 * (MISSING_FIELD message) and the item answers so.
 */
export function documentToLog(org: string, doc: Json): Json {
  const taken: Array<readonly string[]> = [];
  const log: Json = { org };
  for (const key of MESSAGE_KEYS) {
    if (typeof doc[key] === 'string' && Object.hasOwn(doc, key)) {
      log['message'] = doc[key];
      taken.push([key]);
      break;
    }
  }
  for (const key of TIMESTAMP_KEYS) {
    if (Object.hasOwn(doc, key) && doc[key] !== null && doc[key] !== undefined) {
      log['timestamp'] = timestampOf(doc[key]);
      taken.push([key]);
      break;
    }
  }
  for (const [field, paths] of [
    ['level', LEVEL_PATHS],
    ['service', SERVICE_PATHS],
    ['host', HOST_PATHS],
  ] as const) {
    const found = findText(doc, paths);
    if (found === undefined) continue;
    log[field] = found.value;
    taken.push(found.path);
  }
  log['metadata'] = flatten(doc, taken);
  return log;
}
