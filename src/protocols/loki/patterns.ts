/**
 * Loki's patterns API, read side: GET /loki/api/v1/patterns?query={...}&start=&end=&step=, with
 * the org in X-Scope-OrgID (or a one-org key), answered in Loki's shape so Grafana's Logs
 * Drilldown shows our templates: `{"status":"success","data":[{"pattern":"...","samples":
 * [[unix seconds, count], ...]}]}`, `<_>` where we write `<*>`, samples only where there were
 * logs. Our counts are exact and our templates durable (Loki's are sampled and kept hours).
 */
import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../../errors.ts';
import { ERRORS, documentationOnly } from '../../http/openapi.ts';
import type { ServiceView } from '../../http/view.ts';
import { MAX_SERIES_POINTS } from '../../store/template-volume.ts';
import { requestOrg } from '../org.ts';
import { parseSelector } from './selector.ts';

type Query = Record<string, string | string[] | undefined>;

function bad(field: string, message: string): BadRequestError {
  return new BadRequestError('INVALID_VALUE', `${field}: ${message}`, [
    { index: null, field, code: 'INVALID_VALUE', message },
  ]);
}

function one(query: Query, field: string): string | undefined {
  const v = query[field];
  if (Array.isArray(v)) throw bad(field, 'given more than once');
  return v === '' ? undefined : v;
}

/**
 * A time as Loki reads one: RFC 3339, Unix seconds (with a fraction, or up to 10 digits), or
 * Unix nanoseconds; in milliseconds.
 */
export function lokiTime(raw: string, field: string): number {
  let ms: number;
  if (/^\d{1,10}(\.\d+)?$/.test(raw)) ms = Math.floor(Number(raw) * 1000);
  else if (/^\d{11,19}$/.test(raw)) ms = Number(BigInt(raw) / 1_000_000n);
  else ms = Date.parse(raw);
  if (!Number.isSafeInteger(ms) || ms < 0) throw bad(field, 'expected RFC 3339, Unix seconds or nanoseconds');
  return ms;
}

/** A step as Loki reads one: a duration (`30s`, `5m`, `1h`) or seconds; in milliseconds. */
export function lokiStep(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match?.[2] ?? 's'] ?? 1000;
  const ms = match === null ? Number.NaN : Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(ms) || ms < 1000) throw bad('step', 'expected a duration of at least 1s');
  return ms;
}

const SCHEMA = {
  summary: 'Loki-compatible patterns (Grafana Logs Drilldown)',
  description:
    "Loki's GET /loki/api/v1/patterns: the org's templates with `<_>` for variables and their counts per step, filtered by a stream selector on service_name/service/app/job, level/detected_level/severity, host/hostname/instance or a metadata key (=, !=, =~, !~). start and end: RFC 3339, Unix seconds or nanoseconds (default: the last hour); step: a duration (default: the window / 250, at least 1s).",
  tags: ['read'],
  querystring: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'a stream selector, e.g. {service_name="api"}' },
      start: { type: 'string' },
      end: { type: 'string' },
      step: { type: 'string' },
    },
  },
  response: {
    200: {
      type: 'object',
      additionalProperties: true,
      required: ['status', 'data'],
      properties: {
        status: { type: 'string', enum: ['success'] },
        data: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              pattern: { type: 'string' },
              samples: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
            },
          },
        },
      },
    },
    400: ERRORS[400](
      'MISSING_ORG, INVALID_ORG, INVALID_QUERY (the selector), INVALID_VALUE (start, end, step)',
    ),
    401: ERRORS[401](),
    403: ERRORS[403]('the key lacks the read scope, or does not hold the org'),
    503: ERRORS.storage(),
  },
};

export function registerLokiPatterns(app: FastifyInstance, reads: NonNullable<ServiceView['reads']>): void {
  app.get<{ Querystring: Query }>(
    '/loki/api/v1/patterns',
    { schema: SCHEMA, validatorCompiler: documentationOnly },
    async (request) => {
      const org = requestOrg(request);
      const q = request.query;
      const selector = one(q, 'query');
      const filters = selector === undefined ? [] : parseSelector(selector);
      const endRaw = one(q, 'end');
      const to = endRaw === undefined ? Date.now() : lokiTime(endRaw, 'end');
      const startRaw = one(q, 'start');
      const from = startRaw === undefined ? to - 3_600_000 : lokiTime(startRaw, 'start');
      if (from > to) throw bad('start', 'after end');
      const stepRaw = one(q, 'step');
      const stepMs =
        stepRaw === undefined
          ? Math.max(1000, Math.ceil((to - from) / 250 / 1000) * 1000)
          : lokiStep(stepRaw);
      if (Math.floor((to - from) / stepMs) + 1 > MAX_SERIES_POINTS) {
        throw bad('step', `at most ${MAX_SERIES_POINTS} steps in the window`);
      }
      const volumes = await reads.templateVolume({ org, from, to, stepMs, filters });
      return {
        status: 'success',
        data: volumes
          .filter((v) => v.template !== null)
          .map((v) => ({
            pattern: (v.template ?? '').replaceAll('<*>', '<_>'),
            samples: (v.series ?? [])
              .filter((p) => p.count > 0)
              .map((p) => [Math.floor(Date.parse(p.time) / 1000), p.count]),
          })),
      };
    },
  );
}
