/**
 * The page's one way to the service: GET requests to the same origin, with the API key (when
 * one was typed) as a bearer token. The key is never put in a URL: URLs end up in history,
 * logs and Referer headers.
 */

/** An answer other than 2xx, or no answer: `status` 0 when the service could not be reached. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} path e.g. `/templates`
 * @param {Record<string, string | number | undefined>} params the query (undefined: left out)
 * @param {{ key: string | null, signal?: AbortSignal }} options
 * @returns {Promise<unknown>} the parsed JSON answer (its shape: the route's schema in /docs)
 */
export async function apiGet(path, params, { key, signal }) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(url, { headers, signal: signal ?? null, cache: 'no-store' });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'UNREACHABLE', 'The service did not answer. Is it running?');
  }
  /** @type {unknown} */
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    // Every error of the API is {statusCode, error, code, message}; a proxy's may not be.
    const error = /** @type {{ code?: unknown, message?: unknown } | null} */ (body);
    throw new ApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : res.statusText,
    );
  }
  return body;
}

/** Whether an error is about the key (none, unknown, or not allowed to read the org). */
export function isKeyProblem(/** @type {unknown} */ err) {
  return err instanceof ApiError && (err.status === 401 || err.status === 403);
}
