import { Ollama } from 'ollama';
import type { Complete } from './completion.ts';
import { httpError, LlmError, parseRetryAfter } from './errors.ts';

export interface OllamaOptions {
  host: string;
  model: string;
  timeoutMs: number;
}

/**
 * The ollama SDK behind one function. The SDK takes no timeout or abort signal for a
 * non-streaming chat, and its HTTP errors carry the status but not the headers, so the
 * fetch it is given adds both signals and turns an error status into an LlmError (with
 * Retry-After) before the SDK sees the response. The SDK makes no retries of its own.
 */
export function createOllamaComplete(options: OllamaOptions): Complete {
  return async (prompt, signal) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const client = new Ollama({
      host: options.host,
      fetch: async (input, init) => {
        const response = await fetch(input, { ...init, signal: combined });
        if (response.ok) return response;
        const body = await response.text().catch(() => '');
        throw httpError(
          response.status,
          `HTTP ${response.status}: ${body.slice(0, 200)}`,
          parseRetryAfter(response.headers, Date.now()),
        );
      },
    });
    try {
      const response = await client.chat({
        model: options.model,
        stream: false,
        format: prompt.schema,
        options: { temperature: 0 },
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
      });
      // The response is whatever the server sent: do not trust the SDK's static type.
      const content = (response as { message?: { content?: unknown } }).message?.content;
      if (typeof content !== 'string') {
        throw new LlmError('LLM_MALFORMED_OUTPUT', 'the answer has no message content', { retryable: true });
      }
      return {
        text: content,
        tokensIn: count(response.prompt_eval_count),
        tokensOut: count(response.eval_count),
      };
    } catch (error) {
      throw toLlmError(error, signal, timeout);
    }
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function toLlmError(error: unknown, signal: AbortSignal | undefined, timeout: AbortSignal): unknown {
  if (error instanceof LlmError) return error;
  if (signal?.aborted === true) {
    return new LlmError('LLM_ABORTED', 'the request was aborted', { retryable: false, cause: error });
  }
  if (timeout.aborted)
    return new LlmError('LLM_TIMEOUT', 'the request timed out', { retryable: true, cause: error });
  if (error instanceof SyntaxError) {
    return new LlmError('LLM_MALFORMED_OUTPUT', 'the response body is not JSON', {
      retryable: true,
      cause: error,
    });
  }
  // Node's fetch fails with a TypeError when it cannot connect or the connection drops.
  if (error instanceof TypeError) {
    return new LlmError('LLM_CONNECTION', `connection failed: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  }
  return error;
}
