/**
 * Which org a shipper's request writes to. The shippers' protocols carry no org in their logs:
 * it comes from the `X-Scope-OrgID` header (Loki's and Mimir's convention, which Promtail,
 * Alloy, Vector and the OpenTelemetry Collector can all set), or from the API key when the key
 * holds exactly one org. A request with neither is refused, never stored under a guess.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequestError } from '../errors.ts';
import { ORG_HEADER, orgProblem } from '../model/org.ts';
import { assertOrg } from '../http/auth.ts';

/** The org of the request, or an error: 400 MISSING_ORG / INVALID_ORG, 403 for a foreign org. */
export function requestOrg(request: FastifyRequest): string {
  const sent = sameValues(request.headers[ORG_HEADER]);
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

/**
 * The header's value, or its values when it came more than once and they all agree: the
 * official Elasticsearch JS client sends a custom header twice (in two cases of its name), which
 * Node joins as `acme, acme`. An org holds no comma or space, so the split is unambiguous;
 * values that differ stay as sent, and are refused as an invalid org.
 */
function sameValues(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  if (joined === undefined || !joined.includes(',')) return joined;
  const values = joined.split(',').map((v) => v.trim());
  return values.every((v) => v === values[0]) ? values[0] : joined;
}
