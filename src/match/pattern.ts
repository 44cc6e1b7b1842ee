import { WILDCARD } from '../model/template.ts';

/**
 * A template token with `<*>` inside it, such as `blk_<*>` or `/<*>:<*>`, kept as the
 * literal segments around its wildcards. It is matched with startsWith/indexOf checks:
 * template text is untrusted, so it is never compiled into a regular expression.
 */
export interface TokenPattern {
  /** segments[0] is the prefix, the last one the suffix; there is one more than wildcards. */
  readonly segments: readonly string[];
  /** Length of all literal text: the more, the more specific the pattern. */
  readonly literalLength: number;
}

export function parsePattern(token: string): TokenPattern {
  const segments = token.split(WILDCARD);
  let literalLength = 0;
  for (const segment of segments) literalLength += segment.length;
  return { segments, literalLength };
}

/**
 * Pattern buckets are keyed by at most this many leading characters of the prefix, so a
 * token only meets the patterns that can start like it, not every pattern at a node.
 */
export const BUCKET_PREFIX = 3;

export function bucketKey(pattern: TokenPattern): string {
  return (pattern.segments[0] ?? '').slice(0, BUCKET_PREFIX);
}

/**
 * Matches `text.slice(start, end)` (one token, or a run of tokens) against a pattern
 * without slicing it, writing the offsets of each wildcard's text with `pushVar`. Each
 * middle segment is taken at its leftmost position, which finds a match whenever one exists.
 */
export function matchPattern(
  pattern: TokenPattern,
  text: string,
  start: number,
  end: number,
  pushVar: (start: number, end: number) => void,
): boolean {
  const segments = pattern.segments;
  const last = segments.length - 1;
  const prefix = segments[0] ?? '';
  const suffix = segments[last] ?? '';
  if (end - start < prefix.length + suffix.length) return false;
  const suffixStart = end - suffix.length;
  if (!text.startsWith(prefix, start) || !text.startsWith(suffix, suffixStart)) return false;
  let position = start + prefix.length;
  for (let k = 1; k < last; k++) {
    const segment = segments[k] ?? '';
    const at = text.indexOf(segment, position);
    if (at < 0 || at + segment.length > suffixStart) return false;
    pushVar(position, at);
    position = at + segment.length;
  }
  pushVar(position, suffixStart);
  return true;
}
