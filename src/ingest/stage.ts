import { DEFAULT_LIMITS, DEFAULT_MAX_LOGS_PER_REQUEST, type ValidationLimits } from '../config.ts';
import {
  BadRequestError,
  OverloadedError,
  RateLimitedError,
  ShuttingDownError,
  type AppError,
  type FieldProblem,
} from '../errors.ts';
import { zeroStats } from '../counters.ts';
import type { LogRecord } from '../model/log.ts';
import type { OrgCeiling } from '../quota/org-ceiling.ts';
import { OrgTally } from '../quota/org-tally.ts';
import { demandOf, type Demand, type TokenBuckets } from '../quota/token-buckets.ts';
import { tooManyLogs, type SubmittedLogs } from './body.ts';
import { INGEST_COUNTERS, type IngestStats } from './counters.ts';
import { validateBatch } from './validate-batch.ts';
import type { LineFieldsFor } from './validate.ts';

export { logsFromJson, logsFromNdjson, parseJsonBody } from './body.ts';

export interface IngestResult {
  accepted: number;
  matched: number;
  failed: number;
  /** Present when some logs of a batch were refused: which ones and why. */
  errors?: FieldProblem[];
}

export type { IngestStats } from './counters.ts';

/** What a process that takes no logs over HTTP reports (Kafka roles other than ingest). */
export const NO_INGEST_STATS = zeroStats(INGEST_COUNTERS);

export interface IngestDeps {
  /**
   * Hands the logs on; returns how many matched a template. Standalone matches in the caller's
   * tick; Kafka mode resolves once the broker has the logs (matching happens downstream, so 0)
   * and rejects with an AppError (503) when it cannot take them.
   */
  route: (logs: readonly LogRecord[]) => number | Promise<number>;
  /** Names the full queue or buffer when there is no room, else undefined. */
  whyNoRoom: () => string | undefined;
  /** Seconds a client should wait after a 503. */
  retryAfterSecs: number;
  now?: () => number;
  /** Per-log size limits; defaults: DEFAULT_LIMITS. */
  limits?: ValidationLimits;
  /** Most logs in one request; more and the whole request gets 413. Default 10,000. */
  maxLogsPerRequest?: number;
  onBatch?: (size: number) => void;
  /** Logs per second per org (INGEST_RATE_LIMIT_*); undefined: no rate limit. */
  rateLimit?: TokenBuckets | undefined;
  /** The ceiling on orgs (ORGS_MAX); undefined: none. */
  orgs?: OrgCeiling | undefined;
  /** Which orgs' logs take a missing timestamp or level from the line (config.ts lineFieldsFor). */
  lineFieldsFor?: LineFieldsFor | undefined;
}

/**
 * The logs of a request validated on another thread (src/threads/): what the owner of the
 * quotas still decides (the org ceiling, room, the rate limit) before it routes them.
 */
export interface PreparedLogs {
  /** Every validation problem, in request order (capped here, once the ceiling's are added). */
  readonly problems: FieldProblem[];
  readonly failed: number;
  /** Per valid log, in order: its org and its index in the request (null: a lone log). */
  readonly orgs: readonly string[];
  readonly indexes: readonly (number | null)[];
  /** How many problems the answer lists (ingest/validate-batch.ts's reportedProblems). */
  readonly reported: number;
  /** Hands on the valid logs but those at the `refused` positions; how many matched. */
  route(refused: ReadonlySet<number> | undefined): number | Promise<number>;
}

export interface IngestStage {
  /** A promise only when routing is asynchronous (Kafka mode); standalone stays synchronous. */
  ingest(submitted: SubmittedLogs): IngestResult | Promise<IngestResult>;
  /** The same for logs a worker thread parsed and validated (the same counters, quotas, answers). */
  ingestPrepared(prepared: PreparedLogs): IngestResult | Promise<IngestResult>;
  /**
   * The 503 to answer before the body is even read, when a queue or buffer is full now (or the
   * service is draining). Refusing early matters under overload: clients retrying at once made
   * three of four requests a refusal, and each cost a full read, parse and validation.
   */
  refusal(): AppError | undefined;
  /** From now on every request gets 503: the service is draining. */
  close(): void;
  /** Most logs in one request (INGEST_MAX_LOGS_PER_REQUEST): body parsers stop there. */
  readonly maxLogs: number;
  stats(): IngestStats;
}

/**
 * A batch is accepted in part: every valid log is kept, every invalid one is counted in
 * `failed` and listed (index, field, code) in `errors`, and nothing invalid is stored. A
 * request in which no log is valid gets 400. Accepting in part means a log shipper that
 * drops a batch on 4xx does not lose the valid logs for one bad line.
 */
export function startIngest(deps: IngestDeps): IngestStage {
  const now = deps.now ?? Date.now;
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const maxLogs = deps.maxLogsPerRequest ?? DEFAULT_MAX_LOGS_PER_REQUEST;
  // Every counter from zero; the by-org tally is read when asked.
  const counters = { ...NO_INGEST_STATS };
  const rateLimited = new OrgTally();
  const buckets = deps.rateLimit;
  const orgs = deps.orgs;
  let closed = false;

  /**
   * The valid logs of a request (`valid` of them, the org of each by its position) are taken in
   * when there is room and their orgs have the allowance, then routed.
   */
  const accept = (
    valid: number,
    failed: number,
    problems: FieldProblem[],
    orgAt: (position: number) => string,
    route: () => number | Promise<number>,
  ): IngestResult | Promise<IngestResult> => {
    counters.failed += failed;
    if (valid === 0 && failed > 0) {
      const first = problems[0]!;
      throw new BadRequestError(first.code, summarise(first, failed), problems);
    }
    if (valid === 0) return { accepted: 0, matched: 0, failed: 0 };

    const full = deps.whyNoRoom();
    if (full !== undefined) {
      counters.rejectedOverloaded++;
      throw new OverloadedError(`${full}: retry later`, deps.retryAfterSecs);
    }
    // After the 503 check, so a request refused for room takes none of its org's allowance.
    const demand = buckets === undefined ? undefined : logsPerOrg(valid, orgAt);
    if (buckets !== undefined && demand !== undefined) {
      const short = buckets.takeAll(demand);
      if (short !== undefined) {
        counters.rateLimitedRequests++;
        counters.rateLimitedLogs += valid;
        rateLimited.add(short.key, demandOf(demand, short.key));
        throw new RateLimitedError(
          short.key,
          `org ${short.key} is over its rate of ${buckets.ratePerSec} logs per second: retry later`,
          Math.max(1, Math.ceil(short.waitSecs)),
          buckets.ratePerSec,
        );
      }
    }
    deps.onBatch?.(valid);
    const done = (matched: number): IngestResult => {
      counters.accepted += valid;
      counters.matched += matched;
      const result: IngestResult = { accepted: valid, matched, failed };
      if (failed > 0) result.errors = problems;
      return result;
    };
    const routed = route();
    if (typeof routed === 'number') return done(routed);
    return routed.then(done, (err: unknown) => {
      counters.rejectedOverloaded++;
      // Nothing was taken in: the allowance is given back for the client's retry.
      if (buckets !== undefined && demand !== undefined) buckets.refundAll(demand);
      throw err;
    });
  };

  return {
    ingest(submitted) {
      counters.requests++;
      if (closed) throw new ShuttingDownError();
      if (submitted.items.length > maxLogs) throw tooManyLogs(maxLogs, submitted.items.length);
      const admit =
        orgs === undefined
          ? undefined
          : (log: LogRecord, index: number | null) => {
              if (orgs.admit(log.org)) return undefined;
              counters.orgCeilingLogs++;
              return overOrgCeiling(index, orgs.max);
            };
      const { logs, problems, failed } = validateBatch(submitted, now(), limits, admit, deps.lineFieldsFor);
      return accept(
        logs.length,
        failed,
        problems,
        (i) => logs[i]!.org,
        () => deps.route(logs),
      );
    },
    ingestPrepared(prepared) {
      counters.requests++;
      if (closed) throw new ShuttingDownError();
      let { failed } = prepared;
      let problems = prepared.problems;
      let refused: Set<number> | undefined;
      const valid = prepared.orgs.length;
      for (let i = 0; orgs !== undefined && i < valid; i++) {
        if (orgs.admit(prepared.orgs[i]!)) continue;
        if (refused === undefined) {
          refused = new Set();
          problems = [...problems];
        }
        refused.add(i);
        failed++;
        counters.orgCeilingLogs++;
        problems.push(overOrgCeiling(prepared.indexes[i] ?? null, orgs.max));
      }
      // Listed in the order of the request, as the inline path lists them, and capped alike.
      if (refused !== undefined) problems.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (problems.length > prepared.reported) problems = problems.slice(0, prepared.reported);
      const kept = refused === undefined ? undefined : prepared.orgs.filter((_, i) => !refused.has(i));
      const orgAt = kept === undefined ? (i: number) => prepared.orgs[i]! : (i: number) => kept[i]!;
      return accept(valid - (refused?.size ?? 0), failed, problems, orgAt, () => prepared.route(refused));
    },
    refusal() {
      if (closed) {
        counters.requests++;
        return new ShuttingDownError();
      }
      const full = deps.whyNoRoom();
      if (full === undefined) return undefined;
      counters.requests++;
      counters.rejectedOverloaded++;
      return new OverloadedError(`${full}: retry later`, deps.retryAfterSecs);
    },
    close() {
      closed = true;
    },
    maxLogs,
    stats() {
      return { ...counters, orgsTaken: orgs?.size ?? 0, rateLimitedByOrg: rateLimited.byOrg() };
    },
  };
}

function overOrgCeiling(index: number | null, max: number): FieldProblem {
  return {
    index,
    field: 'org',
    code: 'TOO_MANY_ORGS',
    message: `this service takes logs of at most ${max} orgs (ORGS_MAX) and this org would be one more`,
  };
}

/** Logs per org in a batch. Batches are nearly always of one org: that case builds no map. */
function logsPerOrg(count: number, orgAt: (position: number) => string): Demand {
  const first = orgAt(0);
  let i = 1;
  while (i < count && orgAt(i) === first) i++;
  if (i === count) return { key: first, n: i };
  const demand = new Map<string, number>([[first, i]]);
  for (; i < count; i++) {
    const org = orgAt(i);
    demand.set(org, (demand.get(org) ?? 0) + 1);
  }
  return demand;
}

/** `logs[3].org: org is required`, or how many failed and the first problem. */
function summarise(first: FieldProblem, failed: number): string {
  const where = first.index === null ? '' : `logs[${first.index}]`;
  const path = first.field === '' ? where : where === '' ? first.field : `${where}.${first.field}`;
  const detail = path === '' ? first.message : `${path}: ${first.message}`;
  return failed === 1 ? detail : `${failed} logs are invalid; first: ${detail}`;
}
