import { randomBytes } from 'node:crypto';

/** Stands for one variable in a template (the LogHub convention). */
export const WILDCARD = '<*>';

/**
 * Tokens a template may have. The matcher's trie inserts and searches a template recursively,
 * a stack frame per token: a template of one 16 KB log line of one-letter words (about 8,000
 * tokens, well within INGEST_MAX_MESSAGE_BYTES) overflowed the stack in the generate stage,
 * which lost the batch's logs. The longest LogHub-2k line has 105 tokens, its longest
 * ground-truth template 75. A line with more tokens than this gets no template (id 0): the
 * match stage stores it so at once, and it never reaches a generator (mining 150 lines of
 * 32,000 tokens held the event loop for 2 s).
 */
export const MAX_TEMPLATE_TOKENS = 1_000;

/** Who made a template: a generator, or a person (`manual`: seeded through the API). */
export type TemplateSource = 'builtin' | 'openai' | 'ollama' | 'manual';

export interface Template {
  /** Positive, below 2^53 so that it survives JSON. Stable while the text is refined. */
  id: number;
  org: string;
  /** Token sequence with `<*>` for variables, e.g. `Connection timeout after <*>s`. */
  text: string;
  source: TemplateSource;
  /**
   * What each variable was seen to stand for (match/shapes.ts, encoded): a line matches only
   * where its variables fit. Absent or '': unconstrained (templates from before shapes, by hand).
   */
  shapes?: string;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
}

export interface MatchResult {
  templateId: number;
  /** The text each `<*>` stood for, in order. */
  variables: string[];
}

/**
 * A random 52-bit id: unique without coordination between processes (the Kafka roles
 * generate templates in several processes) and exact as a JSON number.
 */
export function newTemplateId(): number {
  const bytes = randomBytes(7);
  let id = 0;
  for (const byte of bytes) id = id * 256 + byte;
  id = Math.floor(id / 16); // 56 bits -> 52 bits
  return id === 0 ? 1 : id;
}
