// Local stand-ins for an OpenAI-compatible server (POST /v1/chat/completions) and an Ollama
// server (POST /api/chat, non-streaming), so the real SDKs are exercised over real HTTP.
// Each answers from a script, one reply per request, then from a default.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatCompletion, sendJson } from './openai-protocol.ts';

export type Reply =
  /** A well-formed answer whose message content is `{"template": ...}`. */
  | { kind: 'template'; template: string }
  /** A well-formed response whose message content is this text (garbage, prose, fences). */
  | { kind: 'content'; content: string }
  /** An HTTP error, with Retry-After when given. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Never answers: the client's timeout has to end the request. */
  | { kind: 'hang' }
  /** 200 with a body that is not JSON. */
  | { kind: 'malformed-json' };

export interface SeenRequest {
  /** performance.now() when the request arrived. */
  at: number;
  path: string;
  body: unknown;
  /** The log lines of the prompt (the user message's JSON `lines`). */
  lines: string[];
}

export interface StandIn {
  /** Base URL: for openai the API root (…/v1), for ollama the host. */
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Replies for the next requests, in order. */
  script(...replies: Reply[]): void;
  /** The reply once the script is used up; by default digits become <*>. */
  fallback: (lines: string[]) => Reply;
  close(): Promise<void>;
}

export const TOKENS_IN = 17;
export const TOKENS_OUT = 5;

/** The default answer: the first line with every run of digits made a variable. */
export function digitsTemplate(lines: string[]): Reply {
  return { kind: 'template', template: (lines[0] ?? '').replace(/\d+/g, '<*>') };
}

type Protocol = 'openai' | 'ollama';

export function startOpenAiStandIn(): Promise<StandIn> {
  return start('openai');
}

export function startOllamaStandIn(): Promise<StandIn> {
  return start('ollama');
}

async function start(protocol: Protocol): Promise<StandIn> {
  const queue: Reply[] = [];
  const requests: SeenRequest[] = [];
  const path = protocol === 'openai' ? '/v1/chat/completions' : '/api/chat';
  const standIn = {
    url: '',
    requests,
    script: (...replies: Reply[]) => void queue.push(...replies),
    fallback: digitsTemplate,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } satisfies StandIn;
  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== path) {
      sendJson(res, 404, { error: `no route ${req.method ?? ''} ${req.url ?? ''}` });
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      messages?: { role: string; content: string }[];
    };
    const user = body.messages?.find((m) => m.role === 'user')?.content ?? '{}';
    const lines = (JSON.parse(user) as { lines?: string[] }).lines ?? [];
    requests.push({ at, path: req.url, body, lines });
    const reply = queue.shift() ?? standIn.fallback(lines);
    switch (reply.kind) {
      case 'hang':
        return;
      case 'malformed-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ {"mess');
        return;
      case 'status': {
        const headers: Record<string, string> = {};
        if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
        const error =
          protocol === 'openai'
            ? { error: { message: `stand-in ${reply.status}`, type: 'stand_in', code: null } }
            : { error: `stand-in ${reply.status}` };
        sendJson(res, reply.status, error, headers);
        return;
      }
      case 'template':
      case 'content': {
        const content =
          reply.kind === 'template' ? JSON.stringify({ template: reply.template }) : reply.content;
        sendJson(res, 200, protocol === 'openai' ? openAiBody(content) : ollamaBody(content));
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  standIn.url = protocol === 'openai' ? `http://127.0.0.1:${port}/v1` : `http://127.0.0.1:${port}`;
  return standIn;
}

function openAiBody(content: string) {
  return chatCompletion(content, {
    promptTokens: TOKENS_IN,
    completionTokens: TOKENS_OUT,
    model: 'stand-in',
  });
}

function ollamaBody(content: string) {
  return {
    model: 'stand-in',
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content },
    done: true,
    done_reason: 'stop',
    total_duration: 1000,
    load_duration: 10,
    prompt_eval_count: TOKENS_IN,
    prompt_eval_duration: 100,
    eval_count: TOKENS_OUT,
    eval_duration: 100,
  };
}

/**
 * What a log line asks a model to answer, when it carries an injection: the template of a
 * `{"template": "..."}` written in it, else the text after its last `answer ` / `respond with `.
 * Undefined for a line that asks for nothing.
 */
export function injectedAnswer(line: string): string | undefined {
  const json = /\{\s*"template"\s*:\s*("(?:[^"\\]|\\.)*")\s*\}/.exec(line);
  if (json?.[1] !== undefined) return JSON.parse(json[1]) as string;
  const asked = /^.*(?:answer|respond with):?\s+(.+)$/is.exec(line);
  return asked?.[1]?.trim();
}

/**
 * A model that obeys instructions hidden in the log lines: the worst case of prompt injection,
 * a model that was successfully manipulated. It answers exactly what the first line carrying
 * an injection asks for (see `injectedAnswer`), and like `digitsTemplate` when no line does.
 */
export function obeyInjection(lines: string[]): Extract<Reply, { kind: 'template' }> {
  for (const line of lines) {
    const template = injectedAnswer(line);
    if (template !== undefined) return { kind: 'template', template };
  }
  return { kind: 'template', template: (lines[0] ?? '').replace(/\d+/g, '<*>') };
}
