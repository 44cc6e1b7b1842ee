import type { FastifyInstance, FastifyReply } from 'fastify';
import { BadRequestError } from '../../errors.ts';
import { parseIsoTimestamp } from '../../ingest/timestamp.ts';
import type { ServiceView } from '../app.ts';
import { assertOrg } from '../auth.ts';

export const DEFAULT_LOGS_LIMIT = 100;
export const MAX_LOGS_LIMIT = 10_000;

type Query = Record<string, string | undefined>;

function invalid(field: string, code: string, message: string): BadRequestError {
  return new BadRequestError(code, `${field}: ${message}`, [{ index: null, field, code, message }]);
}

function requireOrg(query: Query): string {
  const org = query['org'];
  if (org === undefined || org.trim() === '')
    throw invalid('org', 'MISSING_FIELD', 'the org query parameter is required');
  return org;
}

function optionalTime(query: Query, field: string): number | undefined {
  const raw = query[field];
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : parseIsoTimestamp(raw);
  if (ms === undefined || !Number.isSafeInteger(ms)) {
    throw invalid(field, 'INVALID_TIMESTAMP', 'expected ISO 8601 or epoch milliseconds');
  }
  return ms;
}

function optionalInt(query: Query, field: string, min: number, max: number): number | undefined {
  const raw = query[field];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max || !Number.isSafeInteger(Number(raw))) {
    throw invalid(field, 'INVALID_VALUE', `expected an integer from ${min} to ${max}`);
  }
  return Number(raw);
}

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
    app.get('/templates', elsewhere);
    app.get('/logs', elsewhere);
    return;
  }
  app.get<{ Querystring: Query }>('/templates', async (request) => {
    const org = requireOrg(request.query);
    assertOrg(request, org);
    return { org, templates: await reads.listTemplates(org) };
  });

  app.get<{ Querystring: Query }>('/logs', async (request) => {
    const query = request.query;
    const org = requireOrg(query);
    assertOrg(request, org);
    const from = optionalTime(query, 'from');
    const to = optionalTime(query, 'to');
    if (from !== undefined && to !== undefined && from > to)
      throw invalid('from', 'INVALID_RANGE', 'from is after to');
    const q = query['q'];
    const cursor = query['cursor'];
    const page = await reads.queryLogs({
      org,
      templateId: optionalInt(query, 'template_id', 0, Number.MAX_SAFE_INTEGER),
      q: q === undefined || q === '' ? undefined : q,
      from,
      to,
      limit: optionalInt(query, 'limit', 1, MAX_LOGS_LIMIT) ?? DEFAULT_LOGS_LIMIT,
      cursor: cursor === undefined || cursor === '' ? undefined : cursor,
    });
    return { org, logs: page.logs, next_cursor: page.nextCursor };
  });
}
