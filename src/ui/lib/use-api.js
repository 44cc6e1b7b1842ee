import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { apiGet, isKeyProblem } from './api.js';

/**
 * What the views need of the app to call the API: the key typed (null: none), whom to tell
 * when the key is refused, so the app can ask for one, and the person's name sent with changes
 * ('' for none) with the way to change it.
 * @typedef {{ key: string | null, onKeyProblem: (err: Error) => void, actor: string, setActor: (name: string) => void }} ApiAccess
 */

/** @type {import('preact').Context<ApiAccess>} */
export const ApiContext = createContext(
  /** @type {ApiAccess} */ ({ key: null, onKeyProblem: () => {}, actor: '', setActor: () => {} }),
);

/**
 * A GET of the API: a path and its query, the parsed answer (shaped as /docs says).
 * @typedef {(path: string, params: Record<string, string | number | undefined>) => Promise<unknown>} Get
 */

/**
 * @template T
 * @typedef {{ data: T | undefined, error: (Error & { code?: string }) | undefined, loading: boolean, reload: () => void }} Resource
 */

/**
 * GETs of the API for a view: loaded again when `deps` change (the earlier request aborted, so
 * an old answer never replaces a newer one); the last data is kept while the next loads, so
 * the page does not flash. A refused key goes to the app, which shows the key box.
 * @template T
 * @param {(get: Get) => Promise<T>} load (its `get` annotated as Get: JSDoc infers no T from an unannotated callback)
 * @param {readonly unknown[]} deps
 * @returns {Resource<T>}
 */
export function useApi(load, deps) {
  const access = useContext(ApiContext);
  const [state, setState] = useState(
    /** @type {{ data: T | undefined, error: Error | undefined, loading: boolean }} */ ({
      data: undefined,
      error: undefined,
      loading: true,
    }),
  );
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load((path, params) => apiGet(path, params, { key: access.key, signal: controller.signal })).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (/** @type {Error} */ error) => {
        if (controller.signal.aborted) return;
        if (isKeyProblem(error)) access.onKeyProblem(error);
        setState({ data: undefined, error, loading: false });
      },
    );
    return () => controller.abort();
  }, [...deps, access.key, attempt]);
  return { ...state, reload: () => setAttempt((n) => n + 1) };
}
