import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyConfig } from '../config.ts';
import { ForbiddenError, UnauthorizedError } from '../errors.ts';
import type { SubmittedLogs } from '../ingest/body.ts';
import { DOCS_PREFIX } from './openapi.ts';
import { UI_PREFIX } from './routes/ui.ts';

/** What one API key may do. `orgs` undefined: every org. */
export interface Grant {
  readonly orgs: ReadonlySet<string> | undefined;
  readonly write: boolean;
  readonly read: boolean;
  /** May change templates' curation (PATCH /templates/{id}, POST /templates). */
  readonly curate: boolean;
  /** SHA-256 of the key (latin1, a char a byte): what the presented key's digest is compared with. */
  readonly digest: string;
}

/** The configured keys, by the SHA-256 digest of each key as a latin1 string (a byte a char). */
export type KeyTable = ReadonlyMap<string, Grant>;

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

/**
 * The SHA-256 digest of the UTF-8 text, as a latin1 string (one char a byte). The one-shot
 * hash() with a string output is cheaper per request than createHash(): no Hash object and no
 * native buffer for the GC to track (a measurable share of a single-log request).
 */
function sha256(text: string): string {
  return hash('sha256', text, 'binary');
}

/** The lookup table of the configured keys; undefined when there are none (the API is open). */
export function buildKeyTable(keys: readonly ApiKeyConfig[]): KeyTable | undefined {
  if (keys.length === 0) return undefined;
  const table = new Map<string, Grant>();
  for (const k of keys) {
    const digest = sha256(k.key);
    table.set(digest, {
      orgs: k.orgs === '*' ? undefined : new Set(k.orgs),
      write: k.scopes.includes('write'),
      read: k.scopes.includes('read'),
      curate: k.scopes.includes('curate'),
      digest,
    });
  }
  return table;
}

const REALM = 'Bearer realm="log-ingest"';

/**
 * The grant of a presented key, or undefined. The table is keyed by the SHA-256 digest, so
 * neither the lookup nor the comparison works on the key itself: what timing could reveal is
 * about a digest, not a prefix of a key; the constant-time comparison of the digests confirms
 * the match, and comparing digests keeps the key's length out of it too.
 */
export function lookupKey(table: KeyTable, presented: string): Grant | undefined {
  const digest = sha256(presented);
  const grant = table.get(digest);
  if (grant === undefined || !equalsInConstantTime(grant.digest, digest)) {
    return undefined;
  }
  return grant;
}

/**
 * The Authorization header last verified on each connection, with its grant. Hashing the key is
 * a measurable share of a single-log request (native SHA-256 per request), and a keep-alive
 * client sends the same header on every request: a match with the connection's verified header
 * skips the parse and the hash. The comparison is constant-time and takes as long whatever the
 * presented header's length, and a miss goes the full way (digest lookup): behind a proxy
 * sharing a connection among clients, timing tells a client only whether its own key is the one
 * verified, which it is told anyway.
 */
const verifiedOnSocket = new WeakMap<object, { readonly header: string; readonly grant: Grant }>();

/**
 * Whether `presented` equals `known`, in time that depends on `known`'s length only: every char
 * is compared, with no branch on what they hold (a length mismatch compares `known` with
 * itself). A JS loop rather than crypto.timingSafeEqual: that needs two Buffers per request, and
 * the allocations and the native call cost more than the rest of the check.
 */
function equalsInConstantTime(known: string, presented: string): boolean {
  const sameLength = presented.length === known.length;
  const other = sameLength ? presented : known;
  let diff = 0;
  for (let i = 0; i < known.length; i++) diff |= known.charCodeAt(i) ^ other.charCodeAt(i);
  return diff === 0 && sameLength;
}

const CREDENTIALS = /^(Bearer|Basic|ApiKey)[ \t]+(\S+)[ \t]*$/i;

/**
 * The key a header presents. Shippers cannot all send a bearer token: Loki clients (Promtail,
 * Alloy) and Elasticsearch outputs (Filebeat, Vector, Fluent Bit) send `Basic base64(user:pass)`
 * or Elasticsearch's `ApiKey base64(id:key)`; the key is the password, or the part after the
 * id (the whole text when there is no colon). Null when the header is none of these.
 */
export function presentedKey(header: string): string | null {
  const match = CREDENTIALS.exec(header);
  if (match === null) return null;
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === 'bearer') return value;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? (scheme === 'apikey' ? text : null) : text.slice(colon + 1);
}

/**
 * The grant of the request's Authorization header: undefined for an unknown key, null when the
 * header is not `Bearer <key>`. Uses and fills the connection's verified header.
 */
function grantOf(
  table: KeyTable,
  socket: object | null | undefined,
  header: string,
): Grant | null | undefined {
  const verified = socket == null ? undefined : verifiedOnSocket.get(socket);
  if (verified !== undefined && equalsInConstantTime(verified.header, header)) return verified.grant;
  const key = presentedKey(header);
  if (key === null || key === '') return null;
  const grant = lookupKey(table, key);
  if (grant !== undefined && socket != null) verifiedOnSocket.set(socket, { header, grant });
  return grant;
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
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      done(new UnauthorizedError('an API key is required: Authorization: Bearer <key>', REALM));
      return;
    }
    const grant = grantOf(table, request.raw.socket, header);
    if (grant == null) {
      done(
        new UnauthorizedError(
          grant === null
            ? 'expected Authorization: Bearer <key> (or Basic, with the key as password)'
            : 'unknown API key',
          `${REALM}, error="invalid_token"`,
        ),
      );
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
