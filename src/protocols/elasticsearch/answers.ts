/**
 * What the Elasticsearch protocol answers, in Elasticsearch's shapes: errors as
 * `{"error":{"root_cause":[…],"type":…,"reason":…},"status":N}` (the reason starts with our
 * stable code), the bulk response with its per-item results, and the handshake's bodies.
 */
import { randomUUID } from 'node:crypto';
import type { FieldProblem } from '../../errors.ts';
import type { BulkItem } from './bulk.ts';

/** Elasticsearch's exception type for each status we answer. */
export function errorType(status: number, code: string): string {
  if (code === 'MALFORMED_BULK') return 'illegal_argument_exception';
  switch (status) {
    case 400:
      return code === 'MALFORMED_JSON' || code === 'INVALID_UTF8'
        ? 'parse_exception'
        : 'illegal_argument_exception';
    case 401:
    case 403:
      return 'security_exception';
    case 404:
      return 'resource_not_found_exception';
    case 408:
      return 'timeout_exception';
    case 413:
      return 'content_too_long_exception';
    case 415:
      return 'media_type_header_exception';
    // Elasticsearch's "too busy, retry": shippers back off and send again.
    case 429:
    case 503:
      return 'es_rejected_execution_exception';
    default:
      return 'exception';
  }
}

export interface ErrorBody {
  error: { root_cause: Array<{ type: string; reason: string }>; type: string; reason: string };
  status: number;
}

export function errorBody(status: number, type: string, reason: string): ErrorBody {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

/** One item of the bulk response, under its action's name. */
export type ItemResult = Record<string, Record<string, unknown>>;

/** The id Elasticsearch would have made: 20 URL-safe characters. */
function newId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 20);
}

/** A sequence number per stored item, as Elasticsearch gives one per shard. */
let seqNo = 0;

export function createdItem(item: BulkItem): ItemResult {
  return {
    [item.action]: {
      _index: item.index,
      _id: item.id ?? newId(),
      _version: 1,
      result: 'created',
      _shards: { total: 1, successful: 1, failed: 0 },
      _seq_no: seqNo++,
      _primary_term: 1,
      status: 201,
    },
  };
}

export function failedItem(item: BulkItem, status: number, type: string, reason: string): ItemResult {
  return {
    [item.action]: {
      _index: item.index,
      _id: item.id ?? newId(),
      status,
      error: { type, reason },
    },
  };
}

/** A validation problem of one document, as Elasticsearch words a document it cannot index. */
export function problemItem(item: BulkItem, problem: FieldProblem): ItemResult {
  const where = problem.field === '' ? '' : `${problem.field}: `;
  return failedItem(item, 400, 'document_parsing_exception', `${problem.code}: ${where}${problem.message}`);
}

// ---------------------------------------------------------------------------------------------
// The handshake

/**
 * The version GET / reports. Beats refuse a cluster older than themselves (major.minor, unless
 * `allow_older_versions`), so any real version number turns away every later Filebeat: a
 * minor no release will reach lets Filebeat 8.x and 9.x connect as they are. Vector reads the
 * major only (7 and up: typeless bulk, what we read); the Elastic clients check no version, only
 * the X-Elastic-Product header.
 */
export const REPORTED_VERSION = '9.99.0';

export const CLUSTER_NAME = 'log-ingest';

export const INFO = Object.freeze({
  name: CLUSTER_NAME,
  cluster_name: CLUSTER_NAME,
  // A fixed id: the same service answers the same, and it names nothing of the machine.
  cluster_uuid: 'bG9nLWluZ2VzdC1sb2dz',
  version: {
    number: REPORTED_VERSION,
    build_flavor: 'default',
    build_type: 'log-ingest',
    build_hash: 'log-ingest',
    build_date: '2026-01-01T00:00:00.000Z',
    build_snapshot: false,
    lucene_version: '10.3.0',
    minimum_wire_compatibility_version: '8.19.0',
    minimum_index_compatibility_version: '8.0.0',
  },
  tagline: 'You Know, for Search',
});

export const HEALTH = Object.freeze({
  cluster_name: CLUSTER_NAME,
  status: 'green',
  timed_out: false,
  number_of_nodes: 1,
  number_of_data_nodes: 1,
  active_primary_shards: 0,
  active_shards: 0,
  relocating_shards: 0,
  initializing_shards: 0,
  unassigned_shards: 0,
  delayed_unassigned_shards: 0,
  number_of_pending_tasks: 0,
  number_of_in_flight_fetch: 0,
  task_max_waiting_in_queue_millis: 0,
  active_shards_percent_as_number: 100,
});

export const LICENSE = Object.freeze({
  license: {
    status: 'active',
    uid: 'log-ingest',
    type: 'basic',
    issue_date: '2026-01-01T00:00:00.000Z',
    issue_date_in_millis: Date.UTC(2026, 0, 1),
    max_nodes: 1000,
    max_resource_units: null,
    issued_to: CLUSTER_NAME,
    issuer: 'elasticsearch',
    start_date_in_millis: -1,
  },
});

/** The set-up resources a shipper checks for and creates at start, and what "it exists" looks like. */
export const SETUP_RESOURCES = {
  index_template: (name: string) => ({
    index_templates: [{ name, index_template: { index_patterns: [], composed_of: [] } }],
  }),
  ilm_policy: (name: string) => ({
    [name]: { version: 1, modified_date: '2026-01-01T00:00:00.000Z', policy: { phases: {} } },
  }),
  ingest_pipeline: (name: string) => ({ [name]: { description: 'accepted by log-ingest', processors: [] } }),
} as const;
