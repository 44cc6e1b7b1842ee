/**
 * What an org (a tenant) may be called: the rule of Grafana Mimir's and Loki's tenant ids,
 * which shippers already follow for X-Scope-OrgID. Letters, digits and ! - _ . * ' ( ), at
 * most 150 characters, not "." or "..". Anything else (spaces, control characters, escapes,
 * right-to-left marks, zero-width characters, ':' and '/') is refused, not cleaned up: two
 * tenants that print alike must not be two names, and a name must be safe to echo and to put
 * in a key or a path.
 */
export const ORG_MAX_LENGTH = 150;
const ORG_CHARACTERS = /^[A-Za-z0-9!\-_.*'()]+$/;
/** The same rule for OpenAPI schemas. */
export const ORG_PATTERN = "^(?!\\.{1,2}$)[A-Za-z0-9!\\-_.*'()]{1,150}$";

/**
 * The header that names the org where a log carries none: on a shipper's HTTP request
 * (protocols/org.ts) and on a record produced straight to logs.raw (transport/kafka/raw-formats.ts).
 */
export const ORG_HEADER = 'x-scope-orgid';

export interface OrgProblem {
  readonly code: 'TOO_LONG' | 'INVALID_ORG';
  readonly message: string;
}

/** Why `org` is not an org name, or undefined when it is one. */
export function orgProblem(org: string): OrgProblem | undefined {
  // The logs of a batch nearly always share their org: the last good one is not checked again.
  // (It starts undefined, not '': the empty string is no org.)
  if (org === lastGood) return undefined;
  if (org.length > ORG_MAX_LENGTH) {
    return { code: 'TOO_LONG', message: `org must be at most ${ORG_MAX_LENGTH} characters` };
  }
  if (!ORG_CHARACTERS.test(org) || org === '.' || org === '..') {
    return {
      code: 'INVALID_ORG',
      message: `org ${JSON.stringify(org.slice(0, 40))} may hold only letters, digits and ! - _ . * ' ( ) (not "." or "..")`,
    };
  }
  lastGood = org;
  return undefined;
}

let lastGood: string | undefined;
