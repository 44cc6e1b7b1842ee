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
import { MalformedLine, tooManyLogs, type SubmittedLogs } from './body.ts';
import { INGEST_COUNTERS, type IngestStats } from './counters.ts';
import { validateLog, type LineFieldsFor, type ValidationResult } from './validate.ts';

export { logsFromJson, logsFromNdjson, parseJsonBody } from './body.ts';

/** At most this many problems are listed in one response; `failed` still counts them all. */
const MAX_REPORTED_PROBLEMS = 100;

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

export interface IngestStage {
  /** A promise only when routing is asynchronous (Kafka mode); standalone stays synchronous. */
  ingest(submitted: SubmittedLogs): IngestResult | Promise<IngestResult>;
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

  return {
    ingest(submitted) {
      counters.requests++;
      if (closed) throw new ShuttingDownError();
      if (submitted.items.length > maxLogs) throw tooManyLogs(maxLogs, submitted.items.length);
      const at = now();
      const logs: LogRecord[] = [];
      const problems: FieldProblem[] = [];
      let failed = 0;
      const { items, indexes } = submitted;
      const checkText = submitted.surrogateEscapes !== false;
      const reported = submitted.everyProblem === true ? Number.POSITIVE_INFINITY : MAX_REPORTED_PROBLEMS;
      for (let i = 0; i < items.length; i++) {
        const index = submitted.single ? null : (indexes?.[i] ?? i);
        const result = validateItem(items[i], index, at, limits, checkText, deps.lineFieldsFor);
        if (result.ok && (orgs === undefined || orgs.admit(result.log.org))) {
          logs.push(result.log);
        } else if (result.ok) {
          failed++;
          counters.orgCeilingLogs++;
          if (problems.length < reported) problems.push(overOrgCeiling(index, orgs?.max ?? 0));
        } else {
          failed++;
          if (problems.length < reported) problems.push(result.problem);
        }
      }
      counters.failed += failed;
      if (logs.length === 0 && failed > 0) {
        const first = problems[0]!;
        throw new BadRequestError(first.code, summarise(first, failed), problems);
      }
      if (logs.length === 0) return { accepted: 0, matched: 0, failed: 0 };

      const full = deps.whyNoRoom();
      if (full !== undefined) {
        counters.rejectedOverloaded++;
        throw new OverloadedError(`${full}: retry later`, deps.retryAfterSecs);
      }
      // After the 503 check, so a request refused for room takes none of its org's allowance.
      const demand = buckets === undefined ? undefined : logsPerOrg(logs);
      if (buckets !== undefined && demand !== undefined) {
        const short = buckets.takeAll(demand);
        if (short !== undefined) {
          counters.rateLimitedRequests++;
          counters.rateLimitedLogs += logs.length;
          rateLimited.add(short.key, demandOf(demand, short.key));
          throw new RateLimitedError(
            short.key,
            `org ${short.key} is over its rate of ${buckets.ratePerSec} logs per second: retry later`,
            Math.max(1, Math.ceil(short.waitSecs)),
            buckets.ratePerSec,
          );
        }
      }
      deps.onBatch?.(logs.length);
      const done = (matched: number): IngestResult => {
        counters.accepted += logs.length;
        counters.matched += matched;
        const result: IngestResult = { accepted: logs.length, matched, failed };
        if (failed > 0) result.errors = problems;
        return result;
      };
      const routed = deps.route(logs);
      if (typeof routed === 'number') return done(routed);
      return routed.then(done, (err: unknown) => {
        counters.rejectedOverloaded++;
        // Nothing was taken in: the allowance is given back for the client's retry.
        if (buckets !== undefined && demand !== undefined) buckets.refundAll(demand);
        throw err;
      });
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
function logsPerOrg(logs: readonly LogRecord[]): Demand {
  const first = logs[0]!.org;
  let i = 1;
  while (i < logs.length && logs[i]!.org === first) i++;
  if (i === logs.length) return { key: first, n: i };
  const demand = new Map<string, number>([[first, i]]);
  for (; i < logs.length; i++) {
    const org = logs[i]!.org;
    demand.set(org, (demand.get(org) ?? 0) + 1);
  }
  return demand;
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

/** `logs[3].org: org is required`, or how many failed and the first problem. */
function summarise(first: FieldProblem, failed: number): string {
  const where = first.index === null ? '' : `logs[${first.index}]`;
  const path = first.field === '' ? where : where === '' ? first.field : `${where}.${first.field}`;
  const detail = path === '' ? first.message : `${path}: ${first.message}`;
  return failed === 1 ? detail : `${failed} logs are invalid; first: ${detail}`;
}
