import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { Complete } from './completion.ts';
import { httpError, LlmError, parseRetryAfter } from './errors.ts';

export interface OpenAiOptions {
  /** Any OpenAI-compatible server (vLLM, llama.cpp, LM Studio); the official API by default. */
  baseUrl: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
}

/**
 * The openai SDK behind one function. Its own retries are off (maxRetries: 0): the batching
 * contract's schedule (attempts, backoff, Retry-After) is applied by the generator, once,
 * for both providers. Everything is passed explicitly so the SDK reads nothing from the
 * environment (OPENAI_BASE_URL and friends would otherwise override the configuration).
 */
export function createOpenAiComplete(options: OpenAiOptions): Complete {
  const client = new OpenAI({
    baseURL: options.baseUrl,
    // Local OpenAI-compatible servers need no key, but the SDK refuses to start without one.
    apiKey: options.apiKey === '' ? 'no-key' : options.apiKey,
    organization: null,
    project: null,
    timeout: options.timeoutMs,
    maxRetries: 0,
  });
  return async (prompt, signal) => {
    try {
      const response = await client.chat.completions.create(
        {
          model: options.model,
          temperature: 0,
          messages: [
            { role: 'system', content: prompt.system },
            { role: 'user', content: prompt.user },
          ],
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'log_template', strict: true, schema: prompt.schema },
          },
        },
        { signal },
      );
      const text = response.choices[0]?.message.content;
      if (typeof text !== 'string') {
        throw new LlmError('LLM_MALFORMED_OUTPUT', 'the answer has no message content', { retryable: true });
      }
      return {
        text,
        tokensIn: response.usage?.prompt_tokens ?? 0,
        tokensOut: response.usage?.completion_tokens ?? 0,
      };
    } catch (error) {
      throw toLlmError(error, signal);
    }
  };
}

function toLlmError(error: unknown, signal: AbortSignal | undefined): unknown {
  if (error instanceof LlmError) return error;
  if (error instanceof APIUserAbortError || signal?.aborted === true) {
    return new LlmError('LLM_ABORTED', 'the request was aborted', { retryable: false, cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new LlmError('LLM_TIMEOUT', 'the request timed out', { retryable: true, cause: error });
  }
  if (error instanceof APIError) {
    // instanceof loses APIError's type parameters (they become any): restate them.
    const { status, headers } = error as { status: number | undefined; headers: Headers | undefined };
    if (status === undefined) {
      return new LlmError('LLM_CONNECTION', `connection failed: ${error.message}`, {
        retryable: true,
        cause: error,
      });
    }
    return httpError(status, `HTTP ${status}: ${error.message}`, parseRetryAfter(headers, Date.now()), error);
  }
  // A body that is not JSON at all ends up here (the SDK's JSON.parse): the server's fault.
  if (error instanceof SyntaxError) {
    return new LlmError('LLM_MALFORMED_OUTPUT', 'the response body is not JSON', {
      retryable: true,
      cause: error,
    });
  }
  return error;
}
