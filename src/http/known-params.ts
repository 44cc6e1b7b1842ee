import type { preValidationHookHandler } from 'fastify';
import { BadRequestError } from '../errors.ts';

/** Names echoed in an answer at most, each cut to this many characters: the answer stays small. */
const MAX_NAMED = 10;
const MAX_NAME_LENGTH = 64;

function shown(name: string): string {
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name;
}

/**
 * Refuses query parameters a route does not take: 400 INVALID_PARAMETER naming each (`field`
 * the first, `errors` one per name) and the ones it does take. Ignored, a mistyped or
 * unsupported parameter answers another question than the one asked (`/logs?org=acme&levl=ERROR`
 * gives every level). The names taken are the route schema's querystring properties, so the
 * documentation and the check are one list. (Fastify's ajv would drop unknown properties
 * silently, and the read routes validate in their handlers: see documentationOnly.)
 */
export function onlyKnownParams(schema: {
  querystring: { properties: Record<string, unknown> };
}): preValidationHookHandler {
  const known = new Set(Object.keys(schema.querystring.properties));
  const takes = [...known].join(', ');
  return (request, _reply, done) => {
    const unknown = Object.keys(request.query as object).filter((name) => !known.has(name));
    if (unknown.length === 0) {
      done();
      return;
    }
    const named = unknown.slice(0, MAX_NAMED).map(shown);
    const more = unknown.length > MAX_NAMED ? ` and ${unknown.length - MAX_NAMED} more` : '';
    const problems = named.map((field) => ({
      index: null,
      field,
      code: 'INVALID_PARAMETER',
      message: `unknown query parameter (this endpoint takes ${takes})`,
    }));
    done(
      new BadRequestError(
        'INVALID_PARAMETER',
        `unknown query parameter${unknown.length > 1 ? 's' : ''} ${named.join(', ')}${more}: this endpoint takes ${takes}`,
        problems,
      ),
    );
  };
}
