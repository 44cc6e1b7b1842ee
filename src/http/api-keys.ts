/**
 * API keys without a web framework: the table of configured keys, the key a header presents,
 * and who a request is. The Fastify app's hook (auth.ts) and the matcher's bare status server
 * (status-server.ts) both check keys through here, so a key means the same on either.
 */
import { hash } from 'node:crypto';
import type { ApiKeyConfig } from '../config.ts';
import { UnauthorizedError } from '../errors.ts';

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

const REALM = 'Bearer realm="log-ingest"';

/**
 * The grant of a request's Authorization header (`socket`: its connection, to skip the hash of a
 * header already verified there), or 401: no header, one that presents no key, an unknown key.
 */
export function authenticate(
  table: KeyTable,
  socket: object | null | undefined,
  header: string | undefined,
): Grant {
  if (header === undefined || header === '') {
    throw new UnauthorizedError('an API key is required: Authorization: Bearer <key>', REALM);
  }
  const grant = grantOf(table, socket, header);
  if (grant == null) {
    throw new UnauthorizedError(
      grant === null
        ? 'expected Authorization: Bearer <key> (or Basic, with the key as password)'
        : 'unknown API key',
      `${REALM}, error="invalid_token"`,
    );
  }
  return grant;
}
