// Local model stand-ins for `--generator oracle` and `--generator noisy`: a small node:http
// server speaking the OpenAI chat-completions protocol (POST /v1/chat/completions, the
// response shape with `usage`), so the real openai client goes over real HTTP. What it
// answers is decided by a responder from the log lines of the request, read out of the user
// message exactly as src/generate/llm/prompt.ts puts them there (`{"lines": [...]}`).
//
// - oracle: the ground-truth template of the lines (that of the first line when they
//   differ): the pipeline's best case, so any loss is the pipeline's.
// - noisy: a deterministic (seeded) mix of damaged answers (a constant made a variable, a
//   variable made constant, `<*> <*> <*>`, garbage instead of JSON, 500, 429 with
//   Retry-After: 0) and otherwise the correct template, to show the checks at work.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatCompletion, sendJson } from '../../test/helpers/openai-protocol.ts';
import type { DatasetLine } from './dataset.ts';

/** What the server sends for one request. */
export type Answer =
  /** 200, message content `{"template": ...}`. */
  | { kind: 'template'; template: string }
  /** 200, this message content as it is (garbage, prose). */
  | { kind: 'content'; content: string }
  /** An HTTP error in OpenAI's error shape, with Retry-After when given. */
  | { kind: 'status'; status: number; retryAfter?: string };

/** Decides the answer from the request's log lines; `user` is the whole user message. */
export type Responder = (lines: readonly string[], user: string) => Answer;

export interface ChatStandIn {
  /** API root for LLM_BASE_URL (…/v1). */
  readonly url: string;
  /** Chat-completion requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

export const COMPLETIONS_PATH = '/v1/chat/completions';
export const STAND_IN_MODEL = 'bench-stand-in';

/**
 * The log lines of a prompt: the user message is `{"lines": [...]}` (buildPrompt in
 * src/generate/llm/prompt.ts). Undefined when it is not that shape.
 */
export function promptLines(user: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(user);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const lines = (value as { lines?: unknown }).lines;
  if (!Array.isArray(lines) || !lines.every((line): line is string => typeof line === 'string')) {
    return undefined;
  }
  return lines;
}

/**
 * content → ground-truth EventTemplate, from the dataset's lines (the message as the pipeline
 * sends it, the template from the structured CSV). Identical contents with different
 * templates (label noise) keep the first one; `conflicts` counts the others.
 */
export function truthIndex(lines: readonly Pick<DatasetLine, 'content' | 'truth'>[]): {
  truth: Map<string, string>;
  conflicts: number;
} {
  const truth = new Map<string, string>();
  let conflicts = 0;
  for (const { content, truth: template } of lines) {
    const known = truth.get(content);
    if (known === undefined) truth.set(content, template);
    else if (known !== template) conflicts++;
  }
  return { truth, conflicts };
}

/**
 * The template to answer for a request's lines: that of the first line (the first line the
 * index knows, should the first be unknown); undefined when none is known.
 */
export function truthFor(truth: ReadonlyMap<string, string>, lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const template = truth.get(line);
    if (template !== undefined) return template;
  }
  return undefined;
}

/** The oracle: the ground truth, or a 400 (not retried: the miner takes the lines) for unknown lines. */
export function oracleResponder(truth: ReadonlyMap<string, string>): Responder {
  return (lines) => {
    const template = truthFor(truth, lines);
    return template === undefined ? { kind: 'status', status: 400 } : { kind: 'template', template };
  };
}

// ---------------------------------------------------------------------------------------
// Noise

export type NoiseKind =
  | 'correct'
  | 'constant-to-variable'
  | 'variable-to-constant'
  | 'too-general'
  | 'garbage-json'
  | 'server-error'
  | 'rate-limited';

/** Share of answers of each kind (sums to 1). */
export const NOISE_MIX: ReadonlyArray<readonly [NoiseKind, number]> = [
  ['correct', 0.4],
  ['constant-to-variable', 0.12],
  ['variable-to-constant', 0.12],
  ['too-general', 0.12],
  ['garbage-json', 0.12],
  ['server-error', 0.06],
  ['rate-limited', 0.06],
];

export const TOO_GENERAL = '<*> <*> <*>';
const WILDCARD = '<*>';

/** mulberry32: a small, fast, seedable generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the seed, the text and a counter: a request's own seed, whatever the arrival order. */
export function requestSeed(seed: number, text: string, n: number): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  const mix = (code: number): void => {
    hash ^= code;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  for (let k = 0; k < text.length; k++) mix(text.charCodeAt(k));
  mix(0);
  for (const byte of [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]) mix(byte);
  return hash >>> 0;
}

export function pickNoise(random: () => number): NoiseKind {
  let x = random();
  for (const [kind, share] of NOISE_MIX) {
    if (x < share) return kind;
    x -= share;
  }
  return 'correct';
}

/** Positions of the space-separated tokens `accept` accepts. */
function tokenPositions(tokens: readonly string[], accept: (token: string) => boolean): number[] {
  const out: number[] = [];
  tokens.forEach((token, k) => {
    if (accept(token)) out.push(k);
  });
  return out;
}

/**
 * A wrong variable: one constant token (letters or digits, no `<*>` in it) replaced by `<*>`.
 * Undefined when the template has no such token.
 */
export function constantToVariable(template: string, random: () => number): string | undefined {
  const tokens = template.split(' ');
  const candidates = tokenPositions(tokens, (t) => !t.includes(WILDCARD) && /[\p{L}\p{N}]/u.test(t));
  if (candidates.length === 0) return undefined;
  const at = candidates[Math.floor(random() * candidates.length)] ?? 0;
  tokens[at] = WILDCARD;
  return tokens.join(' ');
}

/**
 * A wrong constant: one token that is exactly `<*>` replaced by the value the first line has
 * there (when the line has as many space-separated tokens as the template), else by `0`, as
 * a model copying a value from one of its examples would. Undefined when no token is `<*>`.
 */
export function variableToConstant(template: string, line: string, random: () => number): string | undefined {
  const tokens = template.split(' ');
  const candidates = tokenPositions(tokens, (t) => t === WILDCARD);
  if (candidates.length === 0) return undefined;
  const at = candidates[Math.floor(random() * candidates.length)] ?? 0;
  const words = line.split(' ');
  const value = words.length === tokens.length ? words[at] : undefined;
  tokens[at] = value === undefined || value === '' ? '0' : value;
  return tokens.join(' ');
}

/** What a model says when it does not answer with the JSON asked for. */
export const GARBAGE: readonly string[] = [
  '{"template": "',
  'Sure! Here is the template you asked for.',
  '{"result": 42}',
  '[]',
  '',
  '```json\n{"templates": [null]}\n```',
];

export function garbage(random: () => number): string {
  return GARBAGE[Math.floor(random() * GARBAGE.length)] ?? '';
}

export interface NoisyAnswer {
  kind: NoiseKind;
  answer: Answer;
  /** The template sent, for the kinds that send one. */
  template?: string;
}

/**
 * One noisy answer for lines whose correct template is `correct`. A damage that does not
 * apply (no constant token, no variable) falls back to the too-general template.
 */
export function noisyAnswer(correct: string, lines: readonly string[], random: () => number): NoisyAnswer {
  const kind = pickNoise(random);
  const template = (text: string, as: NoiseKind = kind): NoisyAnswer => ({
    kind: as,
    answer: { kind: 'template', template: text },
    template: text,
  });
  switch (kind) {
    case 'correct':
      return template(correct);
    case 'constant-to-variable': {
      const damaged = constantToVariable(correct, random);
      return damaged === undefined ? template(TOO_GENERAL, 'too-general') : template(damaged);
    }
    case 'variable-to-constant': {
      const damaged = variableToConstant(correct, lines[0] ?? '', random);
      return damaged === undefined ? template(TOO_GENERAL, 'too-general') : template(damaged);
    }
    case 'too-general':
      return template(TOO_GENERAL);
    case 'garbage-json':
      return { kind, answer: { kind: 'content', content: garbage(random) } };
    case 'server-error':
      return { kind, answer: { kind: 'status', status: 500 } };
    case 'rate-limited':
      return { kind, answer: { kind: 'status', status: 429, retryAfter: '0' } };
  }
}

/** A damaged template the noisy server sent, with the lines it was sent for. */
export interface SentTemplate {
  kind: NoiseKind;
  template: string;
  lines: readonly string[];
}

export interface NoisyResponder {
  respond: Responder;
  /** Answers sent, per kind. */
  counts: Record<NoiseKind, number>;
  /** Every template answer that was not the correct one. */
  damaged: SentTemplate[];
}

/**
 * The noisy server's responder. Each request's answer depends only on the seed, the user
 * message and how many times that same message was asked before (so a retry may get another
 * answer), never on the order concurrent requests arrive in.
 */
export function noisyResponder(truth: ReadonlyMap<string, string>, seed: number): NoisyResponder {
  const counts = Object.fromEntries(NOISE_MIX.map(([kind]) => [kind, 0])) as Record<NoiseKind, number>;
  const damaged: SentTemplate[] = [];
  const asked = new Map<string, number>();
  const respond: Responder = (lines, user) => {
    const correct = truthFor(truth, lines);
    if (correct === undefined) return { kind: 'status', status: 400 };
    const n = asked.get(user) ?? 0;
    asked.set(user, n + 1);
    const noisy = noisyAnswer(correct, lines, mulberry32(requestSeed(seed, user, n)));
    counts[noisy.kind]++;
    if (noisy.kind !== 'correct' && noisy.template !== undefined) {
      damaged.push({ kind: noisy.kind, template: noisy.template, lines });
    }
    return noisy.answer;
  };
  return { respond, counts, damaged };
}

// ---------------------------------------------------------------------------------------
// The server

/** A rough token count (4 characters a token) for `usage`: the real client reads it. */
function tokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function chatCompletionBody(content: string, promptText: string): Record<string, unknown> {
  return chatCompletion(content, {
    promptTokens: tokens(promptText),
    completionTokens: tokens(content),
    model: STAND_IN_MODEL,
  });
}

function errorBody(status: number, message: string): Record<string, unknown> {
  return { error: { message, type: status === 429 ? 'rate_limit_error' : 'stand_in', code: null } };
}

/** Starts the stand-in on 127.0.0.1, port chosen by the system. */
export async function startChatStandIn(respond: Responder): Promise<ChatStandIn> {
  let requests = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, `stand-in failure: ${String(error)}`));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== COMPLETIONS_PATH) {
      sendJson(res, 404, errorBody(404, `no route ${req.method ?? ''} ${req.url ?? ''}`));
      return;
    }
    let body: { messages?: Array<{ role?: unknown; content?: unknown }> };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      sendJson(res, 400, errorBody(400, 'the request body is not JSON'));
      return;
    }
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const user = messages.find((m) => m.role === 'user')?.content;
    const lines = typeof user === 'string' ? promptLines(user) : undefined;
    if (typeof user !== 'string' || lines === undefined) {
      sendJson(res, 400, errorBody(400, 'the user message is not {"lines": [...]}'));
      return;
    }
    requests++;
    const answer = respond(lines, user);
    switch (answer.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
        sendJson(res, answer.status, errorBody(answer.status, `stand-in ${answer.status}`), headers);
        return;
      }
      case 'template':
      case 'content': {
        const content =
          answer.kind === 'template' ? JSON.stringify({ template: answer.template }) : answer.content;
        const promptText = messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
        sendJson(res, 200, chatCompletionBody(content, promptText));
        return;
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
