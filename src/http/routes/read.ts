import type { FastifyInstance, FastifyReply } from 'fastify';
import { BadRequestError } from '../../errors.ts';
import { inStoredRange, parseIsoTimestamp } from '../../ingest/timestamp.ts';
import { orgProblem } from '../../model/org.ts';
import { UNTEMPLATED_REASONS } from '../../model/untemplated.ts';
import { registerLokiPatterns } from '../../protocols/loki/patterns.ts';
import { compareWindows } from '../../store/template-compare.ts';
import { MAX_SERIES_POINTS, MAX_SERIES_TEMPLATES } from '../../store/template-volume.ts';
import type { ServiceView } from '../view.ts';
import { assertOrg } from '../auth.ts';
import { onlyKnownParams } from '../known-params.ts';
import { documentationOnly, ERRORS } from '../openapi.ts';
import { DEFAULT_TEMPLATES_LIMIT, MAX_TEMPLATES_LIMIT } from '../template-pages.ts';
import { listTemplatesPage } from '../templates-list.ts';
import { MAX_LABEL_LENGTH } from '../../model/log-fields.ts';

export const DEFAULT_LOGS_LIMIT = 100;
export const MAX_LOGS_LIMIT = 10_000;

/** A parameter given more than once arrives as an array (`?org=a&org=b`). */
type Query = Record<string, string | string[] | undefined>;

function invalid(field: string, code: string, message: string): BadRequestError {
  return new BadRequestError(code, `${field}: ${message}`, [{ index: null, field, code, message }]);
}

/** One parameter's value; a parameter given more than once is refused, not guessed at. */
function param(query: Query, field: string): string | undefined {
  const value = query[field];
  if (Array.isArray(value)) throw invalid(field, 'INVALID_VALUE', 'given more than once');
  return value;
}

function requireOrg(query: Query): string {
  const org = param(query, 'org');
  if (org === undefined || org.trim() === '')
    throw invalid('org', 'MISSING_FIELD', 'the org query parameter is required');
  const bad = orgProblem(org);
  if (bad !== undefined) throw invalid('org', bad.code, bad.message);
  return org;
}

function optionalTime(query: Query, field: string): number | undefined {
  const raw = param(query, field);
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : parseIsoTimestamp(raw);
  if (ms === undefined || !Number.isSafeInteger(ms)) {
    throw invalid(field, 'INVALID_TIMESTAMP', 'expected ISO 8601 or epoch milliseconds');
  }
  if (!inStoredRange(ms)) {
    throw invalid(field, 'INVALID_TIMESTAMP', 'must be between 1970 and 2299, where logs are stored');
  }
  return ms;
}

/** A window both of whose ends are required (the compare view's two windows; `to` may default to now). */
function requiredWindow(query: Query, fromField: string, toField: string): { from: number; to: number } {
  const from = optionalTime(query, fromField);
  if (from === undefined) throw invalid(fromField, 'MISSING_FIELD', `${fromField} is required`);
  const to = optionalTime(query, toField) ?? Date.now();
  if (from > to) throw invalid(fromField, 'INVALID_RANGE', `${fromField} is after ${toField}`);
  return { from, to };
}

/** A series without a window covers the last day. */
const DEFAULT_SERIES_WINDOW_MS = 24 * 3600 * 1000;

/**
 * `step`: seconds, or a number with a unit as Loki and Prometheus write it (`30s`, `5m`, `1h`,
 * `1d`); milliseconds, at least one second.
 */
function optionalStep(query: Query): number | undefined {
  const raw = param(query, 'step');
  if (raw === undefined || raw === '') return undefined;
  const match = /^(\d{1,9})(s|m|h|d)?$/.exec(raw);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match?.[2] ?? 's'] ?? 1000;
  const ms = match === null ? Number.NaN : Number(match[1]) * unit;
  if (!Number.isSafeInteger(ms) || ms < 1000) {
    throw invalid('step', 'INVALID_VALUE', 'expected seconds, or a duration such as 30s, 5m, 1h or 1d');
  }
  return ms;
}

/**
 * The window of GET /templates when `from`, `to` or `step` is given (else undefined: all-time
 * counts). `to` defaults to now, `from` to the epoch, or to a day before `to` with a step.
 */
function volumeWindow(query: Query): { from: number; to: number; stepMs?: number } | undefined {
  const from = optionalTime(query, 'from');
  const to = optionalTime(query, 'to');
  const stepMs = optionalStep(query);
  if (from === undefined && to === undefined && stepMs === undefined) return undefined;
  const end = to ?? Date.now();
  const start = from ?? (stepMs === undefined ? 0 : Math.max(0, end - DEFAULT_SERIES_WINDOW_MS));
  if (start > end) throw invalid('from', 'INVALID_RANGE', 'from is after to');
  if (stepMs === undefined) return { from: start, to: end };
  if (Math.floor((end - start) / stepMs) + 1 > MAX_SERIES_POINTS) {
    throw invalid(
      'step',
      'TOO_MANY_STEPS',
      `at most ${MAX_SERIES_POINTS} steps in the window: make step at least ${Math.ceil((end - start) / MAX_SERIES_POINTS / 1000)} s`,
    );
  }
  return { from: start, to: end, stepMs };
}

function optionalInt(query: Query, field: string, min: number, max: number): number | undefined {
  const raw = param(query, field);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max || !Number.isSafeInteger(Number(raw))) {
    throw invalid(field, 'INVALID_VALUE', `expected an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

/** A label to filter on: absent when empty; no stored label is longer than MAX_LABEL_LENGTH. */
function optionalLabel(query: Query, field: string): string | undefined {
  const raw = param(query, field);
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > MAX_LABEL_LENGTH) {
    throw invalid(field, 'INVALID_VALUE', `at most ${MAX_LABEL_LENGTH} characters, as stored`);
  }
  return raw;
}

const ORG_PARAM = {
  type: 'string',
  minLength: 1,
  description: 'the org (with API keys: one the key holds)',
};

const NOT_SERVED_HERE = ERRORS[404](
  '`code`: READS_NOT_SERVED_HERE: this process has no storage (a Kafka role other than the writer, or the ingest role without CLICKHOUSE_URL); read from the writer role',
);

const TEMPLATES_SCHEMA = {
  summary: 'List an org’s templates',
  description:
    'Most used first (equal counts by id), a page at a time (`limit`, `cursor`; `total` says how many in all). The logs stored without a template are the entry of id 0, with their count per reason (`reasons`), so the counts add up to the org’s logs. A template’s text can be refined while its id stays (the miner generalises a template as it sees more lines of its kind). With API keys: the `read` scope and the org.',
  tags: ['read'],
  querystring: {
    type: 'object',
    required: ['org'],
    properties: {
      org: ORG_PARAM,
      from: {
        type: 'string',
        description:
          'ISO 8601 or epoch milliseconds, inclusive. With from, to or step, each template is counted within the window (exactly: the counts add up to the logs stored in it, id 0 counting those without a template), with its level mix',
      },
      to: { type: 'string', description: 'ISO 8601 or epoch milliseconds, inclusive; default now' },
      step: {
        type: 'string',
        description: `a series of counts per step (seconds, or 30s, 5m, 1h, 1d), at most ${MAX_SERIES_POINTS} steps, for the ${MAX_SERIES_TEMPLATES} loudest templates; with no from, the last day`,
      },
      limit: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_TEMPLATES_LIMIT,
        default: DEFAULT_TEMPLATES_LIMIT,
        description: 'templates per page, loudest first (equal counts by id)',
      },
      cursor: { type: 'string', description: 'the `next_cursor` of the previous page' },
    },
  },
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      required: ['org', 'templates', 'total', 'next_cursor'],
      properties: {
        org: { type: 'string' },
        total: { type: 'integer', description: 'templates in the whole list, every page together' },
        next_cursor: {
          type: ['string', 'null'],
          description:
            'pass as `cursor` (with the same other parameters) for the next page; null on the last page',
        },
        from: { type: 'string', format: 'date-time', description: 'with a window: its start' },
        to: { type: 'string', format: 'date-time', description: 'with a window: its end' },
        step_seconds: { type: 'number', description: 'with step: the width of each point of a series' },
        templates: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: true,
            properties: {
              id: { type: 'integer' },
              template: {
                type: ['string', 'null'],
                example: 'Connection timeout after <*>s',
                description: 'null for id 0, the logs stored without a template (see `reasons`)',
              },
              reasons: {
                type: 'array',
                description:
                  'id 0 only: its logs by why they have none, most first, adding up to its count. `unknown`: stored before the reason was kept',
                items: {
                  type: 'object',
                  properties: {
                    reason: { type: 'string', enum: Object.keys(UNTEMPLATED_REASONS) },
                    count: { type: 'integer' },
                    why: { type: 'string', description: 'the reason in words' },
                  },
                },
              },
              count: {
                type: 'integer',
                description: 'logs stored with it: ever, or within the window (from, to, step)',
              },
              levels: {
                type: 'object',
                additionalProperties: { type: 'integer' },
                description: 'with a window: logs per level, e.g. {"ERROR": 3, "INFO": 40}',
              },
              series: {
                type: 'array',
                description: 'with step: a count per step from `from`, zeros included',
                items: {
                  type: 'object',
                  properties: { time: { type: 'string', format: 'date-time' }, count: { type: 'integer' } },
                },
              },
              first_seen: { type: ['string', 'null'], format: 'date-time', description: 'null: no logs yet' },
              last_seen: { type: ['string', 'null'], format: 'date-time' },
              source: {
                type: ['string', 'null'],
                description:
                  '`builtin` (the miner), or the LLM provider that made it (`openai`, `ollama`); null for id 0',
              },
              created_at: { type: ['string', 'null'], format: 'date-time', description: 'null for id 0' },
              updated_at: { type: ['string', 'null'], format: 'date-time', description: 'null for id 0' },
            },
          },
        },
      },
    },
    400: ERRORS[400](
      'MISSING_FIELD (org), INVALID_PARAMETER (a parameter this endpoint does not take), INVALID_VALUE (a parameter given more than once, a bad step or limit), INVALID_TIMESTAMP, INVALID_RANGE, TOO_MANY_STEPS, INVALID_CURSOR',
    ),
    401: ERRORS[401](),
    403: ERRORS[403]('the key lacks the read scope, or does not hold the org'),
    404: NOT_SERVED_HERE,
    503: ERRORS.storage(),
  },
};

const COMPARE_SCHEMA = {
  summary: 'Compare two windows of an org’s templates',
  description:
    'Templates `new` (none in the baseline), `gone` (none in the target window) or `changed` in rate, most significant first. The score is the G statistic (log-likelihood ratio) of the two counts against one shared rate, each window weighted by its length: 0 for the same rate, growing with the size of the change and the evidence for it; `changed` from 3.84 (p < 0.05). Templates whose rate did not change significantly are counted in `unchanged`. With API keys: the `read` scope and the org.',
  tags: ['read'],
  querystring: {
    type: 'object',
    required: ['org', 'baseline_from', 'from'],
    properties: {
      org: ORG_PARAM,
      baseline_from: { type: 'string', description: 'the baseline window’s start: ISO 8601 or epoch ms' },
      baseline_to: { type: 'string', description: 'its end, inclusive; default now' },
      from: { type: 'string', description: 'the target window’s start' },
      to: { type: 'string', description: 'its end, inclusive; default now' },
    },
  },
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      required: ['org', 'templates', 'unchanged'],
      properties: {
        org: { type: 'string' },
        baseline_from: { type: 'string', format: 'date-time' },
        baseline_to: { type: 'string', format: 'date-time' },
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
        score: { type: 'string', description: 'how the templates are scored' },
        unchanged: {
          type: 'integer',
          description: 'templates in either window whose rate did not change significantly',
        },
        templates: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              template_id: { type: 'integer' },
              template: { type: ['string', 'null'] },
              status: { type: 'string', enum: ['new', 'gone', 'changed'] },
              baseline_count: { type: 'integer' },
              count: { type: 'integer' },
              rate_change: { type: ['number', 'null'], description: 'target rate / baseline rate' },
              score: { type: 'number' },
            },
          },
        },
      },
    },
    400: ERRORS[400](
      'MISSING_FIELD (org, baseline_from, from), INVALID_PARAMETER (a parameter this endpoint does not take), INVALID_TIMESTAMP, INVALID_RANGE',
    ),
    401: ERRORS[401](),
    403: ERRORS[403]('the key lacks the read scope, or does not hold the org'),
    404: NOT_SERVED_HERE,
    503: ERRORS.storage(),
  },
};

const TEMPLATE_SCHEMA = {
  summary: 'One template in depth',
  description:
    'Its text and origin; its volume (count, first and last seen, level mix, and with `step` a series) in the window (from, to; all time without them); its latest lines (up to 5); and for each variable position (0-based, the n-th `<*>`) the values seen most (up to 10) with their counts and an estimate of how many distinct values it took. With API keys: the `read` scope and the org.',
  tags: ['read'],
  params: {
    type: 'object',
    properties: { id: { type: 'integer', minimum: 1, description: 'the template id' } },
  },
  querystring: {
    type: 'object',
    required: ['org'],
    properties: {
      org: ORG_PARAM,
      from: { type: 'string', description: 'ISO 8601 or epoch milliseconds, inclusive; default: all time' },
      to: { type: 'string', description: 'ISO 8601 or epoch milliseconds, inclusive; default now' },
      step: {
        type: 'string',
        description: `a series of counts per step, at most ${MAX_SERIES_POINTS} steps`,
      },
    },
  },
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      required: ['org', 'id', 'template', 'volume', 'examples', 'variables'],
      properties: {
        org: { type: 'string' },
        from: { type: 'string', format: 'date-time' },
        to: { type: 'string', format: 'date-time' },
        id: { type: 'integer' },
        template: { type: 'string' },
        source: { type: 'string' },
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
        volume: {
          type: ['object', 'null'],
          additionalProperties: true,
          description: 'null: no log of it in the window',
          properties: {
            count: { type: 'integer' },
            first_seen: { type: 'string', format: 'date-time' },
            last_seen: { type: 'string', format: 'date-time' },
            levels: { type: 'object', additionalProperties: { type: 'integer' } },
            series: {
              type: 'array',
              items: {
                type: 'object',
                properties: { time: { type: 'string', format: 'date-time' }, count: { type: 'integer' } },
              },
            },
          },
        },
        examples: {
          type: 'array',
          description: 'its latest lines, as GET /logs gives them',
          items: { type: 'object', additionalProperties: true },
        },
        variables: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              position: { type: 'integer' },
              distinct: { type: 'integer', description: 'estimated (exact for few values)' },
              top: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { value: { type: 'string' }, count: { type: 'integer' } },
                },
              },
            },
          },
        },
      },
    },
    400: ERRORS[400](
      'MISSING_FIELD (org), INVALID_PARAMETER (a parameter this endpoint does not take), INVALID_VALUE (id, step), INVALID_TIMESTAMP, INVALID_RANGE, TOO_MANY_STEPS',
    ),
    401: ERRORS[401](),
    403: ERRORS[403]('the key lacks the read scope, or does not hold the org'),
    404: ERRORS[404](
      '`code`: TEMPLATE_NOT_FOUND (the org has no such template), or READS_NOT_SERVED_HERE (this process has no storage)',
    ),
    503: ERRORS.storage(),
  },
};

const TIME_PARAM = {
  type: 'string',
  description: 'ISO 8601 (no offset means UTC) or epoch milliseconds, inclusive',
};

const LOGS_SCHEMA = {
  summary: 'Search an org’s logs',
  description:
    'Newest first, a page at a time. Logs are readable once flushed (CLICKHOUSE_FLUSH_INTERVAL_SECS, 5 s by default). With API keys: the `read` scope and the org.',
  tags: ['read'],
  querystring: {
    type: 'object',
    required: ['org'],
    properties: {
      org: ORG_PARAM,
      template_id: { type: 'integer', minimum: 0, description: 'only logs of this template (0: none)' },
      level: {
        type: 'string',
        maxLength: MAX_LABEL_LENGTH,
        description: 'only logs of this level, in any case (levels are stored in upper case)',
      },
      service: {
        type: 'string',
        maxLength: MAX_LABEL_LENGTH,
        description: 'only logs of this service, exactly',
      },
      host: { type: 'string', maxLength: MAX_LABEL_LENGTH, description: 'only logs of this host, exactly' },
      q: { type: 'string', description: 'text in the message, case-insensitive' },
      from: TIME_PARAM,
      to: TIME_PARAM,
      limit: { type: 'integer', minimum: 1, maximum: MAX_LOGS_LIMIT, default: DEFAULT_LOGS_LIMIT },
      cursor: { type: 'string', description: 'the `next_cursor` of the previous page' },
    },
  },
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      required: ['org', 'logs', 'next_cursor'],
      properties: {
        org: { type: 'string' },
        logs: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: true,
            properties: {
              timestamp: { type: 'string', format: 'date-time' },
              org: { type: 'string' },
              dashboard: { type: 'string' },
              service: { type: 'string' },
              host: { type: 'string' },
              level: { type: 'string' },
              message: { type: 'string' },
              template_id: { type: 'integer', description: '0: stored without a template' },
              template: {
                type: ['string', 'null'],
                description: 'the template’s current text; null for template 0',
              },
              variables: {
                type: 'array',
                items: { type: 'string' },
                description: 'the values of the template’s variables, in order',
              },
              metadata: { type: 'object', additionalProperties: { type: 'string' } },
              untemplated_reason: {
                type: ['string', 'null'],
                enum: [...Object.keys(UNTEMPLATED_REASONS), null],
                description: 'with template 0: why it has none (see GET /templates); null with a template',
              },
            },
          },
        },
        next_cursor: {
          type: ['string', 'null'],
          description: 'pass as `cursor` for the next (older) page; null on the last page',
        },
      },
    },
    400: ERRORS[400](
      'MISSING_FIELD (org), INVALID_PARAMETER (a parameter this endpoint does not take), INVALID_TIMESTAMP (from, to), INVALID_VALUE (template_id, limit, a level, service or host over 256 characters, or a parameter given more than once), INVALID_RANGE (from after to), INVALID_CURSOR',
    ),
    401: ERRORS[401](),
    403: ERRORS[403]('the key lacks the read scope, or does not hold the org'),
    404: NOT_SERVED_HERE,
    503: ERRORS.storage(),
  },
};

/**
 * The query's values are checked by the handlers, with their own codes (see documentationOnly);
 * its names before, against the schema's list (onlyKnownParams).
 */
function readRoute<S extends { querystring: { properties: Record<string, unknown> } }>(schema: S) {
  return { schema, validatorCompiler: documentationOnly, preValidation: onlyKnownParams(schema) };
}
const TEMPLATES_ROUTE = readRoute(TEMPLATES_SCHEMA);
const LOGS_ROUTE = readRoute(LOGS_SCHEMA);
const TEMPLATE_ROUTE = readRoute(TEMPLATE_SCHEMA);
const COMPARE_ROUTE = readRoute(COMPARE_SCHEMA);

export function registerReadRoutes(app: FastifyInstance, view: ServiceView): void {
  const reads = view.reads;
  if (reads === undefined) {
    // A Kafka role without storage: say where reads are served instead of a bare 404.
    const elsewhere = async (_request: unknown, reply: FastifyReply) =>
      reply.code(404).send({
        statusCode: 404,
        error: 'Not Found',
        code: 'READS_NOT_SERVED_HERE',
        message:
          'this process has no storage: read from the writer role, or set CLICKHOUSE_URL for the ingest role',
      });
    app.get('/templates', TEMPLATES_ROUTE, elsewhere);
    app.get('/templates/compare', COMPARE_ROUTE, elsewhere);
    app.get('/templates/:id', TEMPLATE_ROUTE, elsewhere);
    app.get('/logs', LOGS_ROUTE, elsewhere);
    return;
  }
  app.get<{ Querystring: Query }>('/templates', TEMPLATES_ROUTE, async (request) => {
    const query = request.query;
    const org = requireOrg(query);
    assertOrg(request, org);
    const window = volumeWindow(query);
    const limit = optionalInt(query, 'limit', 1, MAX_TEMPLATES_LIMIT) ?? DEFAULT_TEMPLATES_LIMIT;
    const rawCursor = param(query, 'cursor');
    const cursor = rawCursor === undefined || rawCursor === '' ? undefined : rawCursor;
    const page = await listTemplatesPage(reads, org, window, { limit, cursor });
    if (window === undefined) {
      return { org, total: page.total, next_cursor: page.nextCursor, templates: page.templates };
    }
    return {
      org,
      total: page.total,
      next_cursor: page.nextCursor,
      from: new Date(window.from).toISOString(),
      to: new Date(window.to).toISOString(),
      ...(window.stepMs === undefined ? {} : { step_seconds: window.stepMs / 1000 }),
      templates: page.templates,
    };
  });

  registerLokiPatterns(app, reads);

  app.get<{ Querystring: Query }>('/templates/compare', COMPARE_ROUTE, async (request) => {
    const query = request.query;
    const org = requireOrg(query);
    assertOrg(request, org);
    const baseline = requiredWindow(query, 'baseline_from', 'baseline_to');
    const target = requiredWindow(query, 'from', 'to');
    const [before, after] = await Promise.all([
      reads.templateVolume({ org, ...baseline }),
      reads.templateVolume({ org, ...target }),
    ]);
    const spanOf = (w: { from: number; to: number }) => w.to - w.from + 1;
    return {
      org,
      baseline_from: new Date(baseline.from).toISOString(),
      baseline_to: new Date(baseline.to).toISOString(),
      from: new Date(target.from).toISOString(),
      to: new Date(target.to).toISOString(),
      score: 'G (log-likelihood ratio, chi-squared with 1 degree of freedom; changed: G >= 3.84)',
      ...compareWindows(before, after, spanOf(baseline), spanOf(target)),
    };
  });

  app.get<{ Querystring: Query; Params: { id: string } }>(
    '/templates/:id',
    TEMPLATE_ROUTE,
    async (request, reply) => {
      const query = request.query;
      const org = requireOrg(query);
      assertOrg(request, org);
      const id = /^\d{1,16}$/.test(request.params.id) ? Number(request.params.id) : Number.NaN;
      if (!Number.isSafeInteger(id) || id < 1) {
        throw invalid('id', 'INVALID_VALUE', 'a template id is a positive integer');
      }
      // All time unless a window is given; a series needs a step.
      const window = volumeWindow(query) ?? { from: 0, to: Date.now() };
      const detail = await reads.templateDetail({ org, id, ...window });
      if (detail === undefined) {
        return reply.code(404).send({
          statusCode: 404,
          error: 'Not Found',
          code: 'TEMPLATE_NOT_FOUND',
          message: `org ${JSON.stringify(org)} has no template ${id}`,
        });
      }
      return {
        org,
        from: new Date(window.from).toISOString(),
        to: new Date(window.to).toISOString(),
        ...detail,
      };
    },
  );

  app.get<{ Querystring: Query }>('/logs', LOGS_ROUTE, async (request) => {
    const query = request.query;
    const org = requireOrg(query);
    assertOrg(request, org);
    const from = optionalTime(query, 'from');
    const to = optionalTime(query, 'to');
    if (from !== undefined && to !== undefined && from > to)
      throw invalid('from', 'INVALID_RANGE', 'from is after to');
    const q = param(query, 'q');
    const cursor = param(query, 'cursor');
    const level = optionalLabel(query, 'level');
    const page = await reads.queryLogs({
      org,
      templateId: optionalInt(query, 'template_id', 0, Number.MAX_SAFE_INTEGER),
      // Stored in upper case (ingest/validate.ts): `error` finds what was sent as `Error`.
      level: level?.toUpperCase(),
      service: optionalLabel(query, 'service'),
      host: optionalLabel(query, 'host'),
      q: q === undefined || q === '' ? undefined : q,
      from,
      to,
      limit: optionalInt(query, 'limit', 1, MAX_LOGS_LIMIT) ?? DEFAULT_LOGS_LIMIT,
      cursor: cursor === undefined || cursor === '' ? undefined : cursor,
    });
    return { org, logs: page.logs, next_cursor: page.nextCursor };
  });
}
