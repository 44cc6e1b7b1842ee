/**
 * Typed errors with a stable `code` (what tests and the HTTP layer key on) and a
 * `retryable` flag (whether the caller may try the same thing again later).
 */
export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A configuration variable is missing or malformed. */
export class ConfigError extends AppError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('CONFIG_INVALID', `${variable}: ${message}`);
    this.variable = variable;
  }
}

/** One field of one submitted log is invalid. `index` is the position in a batch. */
export interface FieldProblem {
  index: number | null;
  field: string;
  code: string;
  message: string;
}

/** The request body as a whole cannot be read (malformed JSON, wrong shape). */
export class BadRequestError extends AppError {
  readonly problems: FieldProblem[];
  constructor(code: string, message: string, problems: FieldProblem[] = []) {
    super(code, message);
    this.problems = problems;
  }
}

/** A bounded queue or buffer is full: the client should retry after `retryAfterSecs`. */
export class OverloadedError extends AppError {
  readonly retryAfterSecs: number;
  /** `code`: what is out of room when it is not a queue, e.g. WAL_WRITE_FAILED (disk full). */
  constructor(message: string, retryAfterSecs: number, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'OVERLOADED', message, { retryable: true, cause: options.cause });
    this.retryAfterSecs = retryAfterSecs;
  }
}

/** The service is shutting down and takes no new work. */
export class ShuttingDownError extends AppError {
  constructor() {
    super('SHUTTING_DOWN', 'the service is shutting down', { retryable: true });
  }
}

/** Storage (ClickHouse) could not be reached or refused a statement. */
export class StorageError extends AppError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('STORAGE_ERROR', message, { retryable: options.retryable ?? true, cause: options.cause });
  }
}

/** The body is framed or encoded in a way the endpoint does not read (HTTP 415). */
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string) {
    super('UNSUPPORTED_MEDIA_TYPE', message);
  }
}

/** No API key, or one the service does not know (HTTP 401 with WWW-Authenticate). */
export class UnauthorizedError extends AppError {
  /** The WWW-Authenticate challenge to send. */
  readonly challenge: string;
  constructor(message: string, challenge: string) {
    super('UNAUTHORIZED', message);
    this.challenge = challenge;
  }
}

/** The API key lacks the scope, or does not hold the org (HTTP 403). */
export class ForbiddenError extends AppError {
  readonly org: string | undefined;
  readonly index: number | null | undefined;
  constructor(message: string, details: { org?: string; index?: number | null } = {}) {
    super('FORBIDDEN', message);
    this.org = details.org;
    this.index = details.index;
  }
}

/** The request is over a size limit (HTTP 413); `limit` is that limit, echoed to the client. */
export class PayloadTooLargeError extends AppError {
  readonly limit: number;
  constructor(code: string, message: string, limit: number) {
    super(code, message);
    this.limit = limit;
  }
}

/**
 * An org is over its rate of logs per second (HTTP 429 with Retry-After): one org's flood
 * must not take the room every org shares. `retryAfterSecs` is when the request would fit.
 */
export class RateLimitedError extends AppError {
  readonly org: string;
  readonly retryAfterSecs: number;
  readonly limit: number;
  constructor(org: string, message: string, retryAfterSecs: number, limit: number) {
    super('RATE_LIMITED', message, { retryable: true });
    this.org = org;
    this.retryAfterSecs = retryAfterSecs;
    this.limit = limit;
  }
}

/** What the request names does not exist (a template of the org). */
export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** The request contradicts what is there (a template text the org has, a merge chain). */
export class ConflictError extends AppError {
  readonly details: Record<string, unknown>;
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message);
    this.details = details;
  }
}
