// The OpenAI chat-completions wire shapes the stand-in servers answer with: the test
// stand-ins (test/helpers/llm-stand-ins.ts) and the accuracy benchmark's oracle and noisy
// servers (bench/accuracy/stand-ins.ts) both speak it to the real openai client.
import type { ServerResponse } from 'node:http';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** A non-streamed chat completion with one assistant message and the usage the client reads. */
export function chatCompletion(
  content: string,
  usage: { promptTokens: number; completionTokens: number; model: string },
): Record<string, unknown> {
  return {
    id: 'chatcmpl-stand-in',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: usage.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
  };
}
