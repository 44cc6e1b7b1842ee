import { useContext, useState } from 'preact/hooks';
import { apiSend } from './api.js';
import { ApiContext } from './use-api.js';

/**
 * @typedef {import('./api.js').ApiError} ApiError
 * @typedef {{ saving: boolean, error: ApiError | null, saved: boolean }} ChangeState
 * @typedef {ChangeState & {
 *   send: (method: 'PATCH' | 'POST', path: string, params: Record<string, string | number | undefined>, body: object) => Promise<unknown>,
 *   reset: () => void }} Change
 */

/**
 * A change sent from a form (curation's PATCH and POST), with the key and the person's name,
 * and its state for the form to show: saving, saved, or the API's error. A refused key is the
 * form's to show (a key may read and not curate), not the app's key box, which would hide the
 * page. `send` resolves to the answer, or undefined when it failed.
 * @returns {Change}
 */
export function useChange() {
  const access = useContext(ApiContext);
  const [state, setState] = useState(
    /** @type {ChangeState} */ ({ saving: false, error: null, saved: false }),
  );
  /** @type {Change['send']} */
  const send = async (method, path, params, body) => {
    setState({ saving: true, error: null, saved: false });
    try {
      const answer = await apiSend(method, path, params, body, { key: access.key, actor: access.actor });
      setState({ saving: false, error: null, saved: true });
      return answer;
    } catch (err) {
      setState({ saving: false, error: /** @type {ApiError} */ (err), saved: false });
      return undefined;
    }
  };
  return { ...state, send, reset: () => setState({ saving: false, error: null, saved: false }) };
}
