/**
 * The page's one way to the service: requests to the same origin, with the API key (when one
 * was typed) as a bearer token. The key is never put in a URL: URLs end up in history, logs and
 * Referer headers. Reads are GETs; curation's changes are JSON PATCHes and POSTs that carry the
 * person's name (X-Actor) when one was typed.
 */

/** An answer other than 2xx, or no answer: `status` 0 when the service could not be reached. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Record<string, unknown>} [details] the error's answer as sent (a 409 TEMPLATE_EXISTS names the template_id)
   */
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * @param {string} path e.g. `/templates`
 * @param {Record<string, string | number | undefined>} params the query (undefined: left out)
 * @param {{ key: string | null, signal?: AbortSignal }} options
 * @returns {Promise<unknown>} the parsed JSON answer (its shape: the route's schema in /docs)
 */
export function apiGet(path, params, { key, signal }) {
  return apiSend('GET', path, params, undefined, { key, actor: '', signal });
}

/**
 * A request of any method; a change's `body` is sent as JSON.
 * @param {'GET' | 'PATCH' | 'POST'} method
 * @param {string} path e.g. `/templates/12`
 * @param {Record<string, string | number | undefined>} params the query (undefined: left out)
 * @param {object | undefined} body
 * @param {{ key: string | null, actor: string, signal?: AbortSignal }} options `actor`: the person's name, recorded with a change ('' for none)
 * @returns {Promise<unknown>} the parsed JSON answer
 */
export async function apiSend(method, path, params, body, { key, actor, signal }) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // Percent-encoded: a header carries bytes, and the service decodes it (a name in any script).
  if (actor !== '') headers['x-actor'] = encodeURIComponent(actor);
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
      cache: 'no-store',
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'UNREACHABLE', 'The service did not answer. Is it running?');
  }
  /** @type {unknown} */
  const answer = await res.json().catch(() => null);
  if (!res.ok) {
    // Every error of the API is {statusCode, error, code, message}, some with more (a 409's
    // template_id); a proxy's may be anything.
    const error = /** @type {Record<string, unknown> | null} */ (answer);
    throw new ApiError(
      res.status,
      typeof error?.['code'] === 'string' ? error['code'] : `HTTP_${res.status}`,
      typeof error?.['message'] === 'string' ? error['message'] : res.statusText,
      error ?? {},
    );
  }
  return answer;
}

/** Whether an error is about the key (none, unknown, or not allowed to read the org). */
export function isKeyProblem(/** @type {unknown} */ err) {
  return err instanceof ApiError && (err.status === 401 || err.status === 403);
}
