import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError } from '../errors.ts';
import type { SubmittedLogs } from '../ingest/body.ts';
import { DOCS_PREFIX, UI_PREFIX } from './paths.ts';
import { authenticate, type Grant, type KeyTable } from './api-keys.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The grant of the request's API key; null when the service runs without keys. */
    apiKey: Grant | null;
  }
  interface FastifyContextConfig {
    /**
     * A GET a key of either scope may make: the handshake of a shipper's protocol (GET / of
     * Elasticsearch), which a write-only key must pass before it sends. Only for answers that
     * are the same for every key and org: they hold no data to read.
     */
    eitherScope?: boolean;
    /** A change that needs the `curate` scope instead of `write` (the curation routes). */
    curates?: boolean;
  }
}

/** GET (and HEAD) of these answer without a key: probes and scrapers hold none. */
const OPEN_ROUTES = new Set(['/health', '/metrics']);

/**
 * Nor do the API description (its UI, assets and OpenAPI document) and the explorer page: they
 * hold no data (the page's own API calls carry the key).
 */
function isOpenRoute(route: string): boolean {
  return (
    OPEN_ROUTES.has(route) ||
    [DOCS_PREFIX, UI_PREFIX].some((prefix) => route === prefix || route.startsWith(`${prefix}/`))
  );
}

/**
 * With keys configured, every request but GET /health, /metrics, /docs and /ui needs
 * `Authorization: Bearer <key>` (401 otherwise); GET and HEAD need the read scope (a
 * handshake route, `eitherScope`, either scope), other methods the write scope (403). Which
 * orgs a key holds is checked by the routes (assertOrg), once they know the org. Without keys
 * nothing is installed: the open service pays nothing.
 */
export function installAuth(app: FastifyInstance, table: KeyTable | undefined): void {
  app.decorateRequest('apiKey', null);
  if (table === undefined) return;
  app.addHook('onRequest', (request, _reply, done) => {
    const method = request.method;
    const reading = method === 'GET' || method === 'HEAD';
    let eitherScope = false;
    // routeOptions builds an object on every read: only GET and HEAD, the methods of the
    // open routes and of handshakes, need the route's options.
    if (reading) {
      const options = request.routeOptions;
      const route = options.url;
      if (route !== undefined && isOpenRoute(route)) {
        done();
        return;
      }
      eitherScope = options.config.eitherScope === true;
    }
    let grant: Grant;
    try {
      grant = authenticate(table, request.raw.socket, request.headers.authorization);
    } catch (err) {
      done(err as Error);
      return;
    }
    request.apiKey = grant;
    // An unknown route is a 404 for any valid key. A change needs `write`, or `curate` on the
    // curation routes: a write key passes here and those routes check `curate` themselves
    // (assertCurate), so a log sent with a write key never reads the route's options.
    let allowed = reading ? grant.read || (eitherScope && grant.write) : grant.write;
    if (!allowed && !reading && grant.curate && request.routeOptions.config.curates === true) allowed = true;
    if (!allowed && !request.is404) {
      // A change to curation names the scope that would allow it (a read key there was told
      // "write", which would not).
      const scope = reading ? 'read' : request.routeOptions.config.curates === true ? 'curate' : 'write';
      done(new ForbiddenError(`the API key lacks the ${scope} scope`));
      return;
    }
    done();
  });
}

/** 403 unless the request's key has the curate scope (always passes without keys). */
export function assertCurate(request: FastifyRequest): void {
  const grant = request.apiKey;
  if (grant !== null && !grant.curate) throw new ForbiddenError('the API key lacks the curate scope');
}

/**
 * Who made a change, for the curation log: the key (the first 12 hex digits of its SHA-256, which
 * names it without revealing it: `printf %s "$KEY" | sha256sum`), or the open mode and the
 * client's address. An `X-Actor` header (a person's name, bounded) is recorded beside it as told:
 * percent-encoded UTF-8 is decoded (a header carries bytes, so a name in any script travels
 * encoded), and a value that is not valid percent-encoding is taken as it is.
 */
export function actorOf(request: FastifyRequest): string {
  const grant = request.apiKey;
  const who =
    grant === null
      ? `open@${request.ip}`
      : `key:${Buffer.from(grant.digest, 'latin1').toString('hex').slice(0, 12)}`;
  const told = request.headers['x-actor'];
  let name = typeof told === 'string' ? told : '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // Not percent-encoding (a lone %): the name as sent.
  }
  name = name
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 100);
  return name === '' ? who : `${name} (${who})`;
}

/** 403 unless the request's key holds `org` (always passes without keys, or with a `*` key). */
export function assertOrg(request: FastifyRequest, org: string, index?: number | null): void {
  const orgs = request.apiKey?.orgs;
  if (orgs === undefined || orgs.has(org)) return;
  const where = index === undefined ? '' : index === null ? 'the log: ' : `logs[${index}]: `;
  throw new ForbiddenError(`${where}the API key does not hold org ${JSON.stringify(org)}`, {
    org,
    ...(index === undefined ? {} : { index }),
  });
}

/**
 * Every log's org must be one the key holds, before any is routed: a batch with one foreign
 * log is refused whole. Logs without a usable org are left to validation (they fail there).
 */
export function assertBatchOrgs(request: FastifyRequest, submitted: SubmittedLogs): void {
  if (request.apiKey?.orgs === undefined) return;
  const { items, indexes } = submitted;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === null || typeof item !== 'object') continue;
    const org = (item as Record<string, unknown>)['org'];
    if (typeof org !== 'string' || org.trim() === '') continue;
    assertOrg(request, org, submitted.single ? null : (indexes?.[i] ?? i));
  }
}
