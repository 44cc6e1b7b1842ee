// The matcher's search as it was before the compact index (main at 9c25736): one persistent
// trie (trie.ts), walked node by node. The property test (compact-index.test.ts) holds the
// compact index to its answers.
import type { MatchResult } from '../../../src/model/template.ts';
import { BUCKET_PREFIX, matchPattern } from '../../../src/match/pattern.ts';
import { fitsShapes } from '../../../src/match/shapes.ts';
import { doubled, TokenBounds } from '../../../src/match/tokenize.ts';
import type { PatternEdge, TrieNode } from '../../../src/match/trie.ts';

/**
 * Most trie nodes one match may visit. Lone wildcards that absorb a varying number of
 * tokens make the search backtrack; this bounds the worst case (a line that almost fits
 * many wildcard-heavy templates) to a fixed cost: past it the line counts as unmatched.
 */
export const MAX_STEPS = 10_000;

/**
 * Walks a token trie for one message: literal child first, then patterns (most specific
 * first), then a lone wildcard absorbing 1..n tokens and finally none; the first path
 * that consumes every token and ends at a template wins. Token and variable offsets live
 * in buffers reused across calls, so a search allocates only the token strings it looks
 * up and, on success, the variable values.
 */
export class ReferenceSearch {
  private readonly bounds = new TokenBounds();
  private message = '';
  private tokenCount = 0;
  private steps = 0;
  private varStarts = new Int32Array(32);
  private varEnds = new Int32Array(32);
  private varCount = 0;
  private readonly pushVar = (start: number, end: number): void => {
    if (this.varCount === this.varStarts.length) this.growVars();
    this.varStarts[this.varCount] = start;
    this.varEnds[this.varCount] = end;
    this.varCount++;
  };

  /** Trie nodes the last search visited: its cost in units that do not depend on the machine. */
  get lastSteps(): number {
    return this.steps;
  }

  run(root: TrieNode, message: string): MatchResult | undefined {
    this.message = message;
    this.tokenCount = this.bounds.scan(message);
    this.steps = 0;
    this.varCount = 0;
    const templateId = this.visit(root, 0);
    if (templateId === 0) return undefined;
    const variables = new Array<string>(this.varCount);
    for (let k = 0; k < this.varCount; k++) {
      variables[k] = message.slice(this.varStarts[k], this.varEnds[k]);
    }
    this.message = '';
    return { templateId, variables };
  }

  /** Returns the matched template id, or 0. */
  private visit(node: TrieNode, index: number): number {
    if (++this.steps > MAX_STEPS) return 0;
    const { starts, ends } = this.bounds;
    const count = this.tokenCount;
    if (index === count) {
      if (node.ids !== undefined) {
        const id = this.templateAt(node.ids, node.shapes);
        if (id !== 0) return id;
      }
      if (node.wildcard === undefined) return 0;
      const end = this.message.length;
      return this.visitWildcard(node.wildcard, end, end, index);
    }
    const start = starts[index] ?? 0;
    const token = this.message.slice(start, ends[index]);
    // The native Map when the node has one: this lookup is the hottest line of the matcher.
    const literalMap = node.literalMap;
    const literal = literalMap !== undefined ? literalMap.get(token) : node.literals?.get(token);
    if (literal !== undefined) {
      const id = this.visit(literal, index + 1);
      if (id !== 0) return id;
    }
    if (node.patternLengths !== 0) {
      const id = this.visitPatterns(node, token, start, ends[index] ?? start, index);
      if (id !== 0) return id;
    }
    const wildcard = node.wildcard;
    if (wildcard === undefined) return 0;
    if (
      wildcard.literals === undefined &&
      wildcard.patterns === undefined &&
      wildcard.wildcard === undefined
    ) {
      // A trailing wildcard takes everything left: no need to try each split.
      return this.visitWildcard(wildcard, start, ends[count - 1] ?? start, count);
    }
    for (let next = index + 1; next <= count; next++) {
      const id = this.visitWildcard(wildcard, start, ends[next - 1] ?? start, next);
      if (id !== 0) return id;
      if (this.steps > MAX_STEPS) return 0;
    }
    // Last resort: the wildcard stands for nothing (LogHub templates sometimes need it).
    return this.visitWildcard(wildcard, start, start, index);
  }

  /**
   * The smallest id among the templates ending here whose variable shapes the texts just
   * matched fit (shapes.ts); 0 when none does, and the search backtracks.
   */
  private templateAt(ids: readonly number[], shapes: TrieNode['shapes']): number {
    if (shapes === undefined) return ids[0] ?? 0;
    for (let k = 0; k < ids.length; k++) {
      const own = shapes[k];
      if (own === undefined || fitsShapes(own, this.message, this.varStarts, this.varEnds, this.varCount)) {
        return ids[k] ?? 0;
      }
    }
    return 0;
  }

  private visitWildcard(child: TrieNode, start: number, end: number, next: number): number {
    const saved = this.varCount;
    this.pushVar(start, end);
    const id = this.visit(child, next);
    if (id === 0) this.varCount = saved;
    return id;
  }

  private visitPatterns(node: TrieNode, token: string, start: number, end: number, index: number): number {
    const patterns = node.patterns;
    if (patterns === undefined) return 0;
    const patternMap = node.patternMap;
    const lengths = node.patternLengths;
    const longest = Math.min(BUCKET_PREFIX, token.length);
    // Longer prefixes are more specific: try their buckets first. Most nodes have buckets of
    // one or two key lengths only: skip the others without slicing the token or hashing.
    for (let length = longest; length >= 0; length--) {
      if ((lengths & (1 << length)) === 0) continue;
      const key = length === token.length ? token : token.slice(0, length);
      const bucket = patternMap !== undefined ? patternMap.get(key) : patterns.get(key);
      if (bucket === undefined) continue;
      for (const edge of bucket) {
        const saved = this.varCount;
        if (matchPattern(edge.pattern, this.message, start, end, this.pushVar)) {
          const id = this.visit(edge.child, index + 1);
          if (id !== 0) return id;
        }
        this.varCount = saved;
        const id = this.visitSpanningPattern(edge, token, start, index);
        if (id !== 0) return id;
      }
    }
    return 0;
  }

  /**
   * LogHub templates embed a `<*>` that stands for several whitespace tokens, as in
   * `tag="<*>"` for `tag="View Lock"` or `(estimated size <*>, free <*>)`. After the
   * one-token attempt fails, a pattern whose prefix fits this token and that ends in a
   * literal suffix may extend over the following tokens, up to one whose end fits it.
   */
  private visitSpanningPattern(edge: PatternEdge, token: string, start: number, index: number): number {
    const segments = edge.pattern.segments;
    const prefix = segments[0] ?? '';
    const suffix = segments[segments.length - 1] ?? '';
    // Only a pattern closed by a suffix may span: `rhost=<*>` must not swallow the rest of
    // the line (that is the job of a lone trailing `<*>`, which is more general and so tried last).
    if (suffix === '' || !token.startsWith(prefix)) return 0;
    const { ends } = this.bounds;
    const message = this.message;
    for (let last = index + 1; last < this.tokenCount; last++) {
      if (++this.steps > MAX_STEPS) return 0;
      const end = ends[last] ?? 0;
      if (!message.startsWith(suffix, end - suffix.length)) continue;
      const saved = this.varCount;
      if (matchPattern(edge.pattern, message, start, end, this.pushVar)) {
        const id = this.visit(edge.child, last + 1);
        if (id !== 0) return id;
      }
      this.varCount = saved;
    }
    return 0;
  }

  private growVars(): void {
    this.varStarts = doubled(this.varStarts);
    this.varEnds = doubled(this.varEnds);
  }
}
