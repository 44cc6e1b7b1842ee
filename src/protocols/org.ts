/**
 * Which org a shipper's request writes to. The shippers' protocols carry no org in their logs:
 * it comes from the `X-Scope-OrgID` header (Loki's and Mimir's convention, which Promtail,
 * Alloy, Vector and the OpenTelemetry Collector can all set), or from the API key when the key
 * holds exactly one org. A request with neither is refused, never stored under a guess.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors.ts';
import { orgProblem } from '../model/org.ts';
import { assertOrg } from '../http/auth.ts';

export const ORG_HEADER = 'x-scope-orgid';

/** The org of the request, or an error: 400 MISSING_ORG / INVALID_ORG, 403 for a foreign org. */
export function requestOrg(request: FastifyRequest): string {
  const header = request.headers[ORG_HEADER];
  const sent = Array.isArray(header) ? header[0] : header;
  if (sent === undefined || sent === '') {
    const held = request.apiKey?.orgs;
    if (held?.size === 1) return held.values().next().value as string;
    throw new BadRequestError(
      'MISSING_ORG',
      held === undefined
        ? 'the X-Scope-OrgID header is required: it names the org the logs belong to'
        : 'the API key holds several orgs: the X-Scope-OrgID header must name one of them',
      [{ index: null, field: 'X-Scope-OrgID', code: 'MISSING_ORG', message: 'missing' }],
    );
  }
  // Loki's multi-tenant form `a|b` would store one copy per tenant; one org per request here.
  const problem = orgProblem(sent);
  if (problem !== undefined) {
    throw new BadRequestError('INVALID_ORG', `X-Scope-OrgID: ${problem.message}`, [
      { index: null, field: 'X-Scope-OrgID', code: problem.code, message: problem.message },
    ]);
  }
  assertOrg(request, sent);
  return sent;
}
