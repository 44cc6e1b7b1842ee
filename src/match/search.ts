import type { MatchResult } from '../model/template.ts';
import { EMPTY_TRIE, morePreciseFirst, type CompactTrie } from './compact-trie.ts';
import type { LayeredTrie } from './layered-trie.ts';
import { hashOf } from './edge-table.ts';
import {
  DIRECT_EDGES,
  EDGE_COUNT,
  EDGE_INTS,
  edgeFilter,
  edgesAt,
  labelIs,
  NONE,
  PATTERN_COUNT,
  PATTERN_EDGE_INTS,
  PATTERN_START,
  startsWithPackedKey,
  TERM_COUNT,
  TERM_INTS,
  TERMS_AT,
  termId,
  termShapes,
  WILDCARD_CHILD,
} from './node-record.ts';
import { BUCKET_PREFIX, matchPattern, type TokenPattern } from './pattern.ts';
import { fitsShapes, type VariableShape } from './shapes.ts';
import { doubled, TokenBounds } from './tokenize.ts';
import type { PatternEdge, TrieNode } from './trie.ts';

/**
 * Most trie nodes one match may visit. Lone wildcards that absorb a varying number of
 * tokens make the search backtrack; this bounds the worst case (a line that almost fits
 * many wildcard-heavy templates) to a fixed cost: past it the line counts as unmatched.
 */
export const MAX_STEPS = 10_000;

/** Where each variable's text is in the message, for a match that ignored shapes. */
export interface SpanMatch {
  templateId: number;
  starts: number[];
  ends: number[];
}

/**
 * Walks an org's trie for one message: literal child first, then patterns (most specific
 * first), then a lone wildcard absorbing 1..n tokens and finally none; the first path that
 * consumes every token and ends at a template wins. The trie is two layers (layered-trie.ts):
 * the compact base and the persistent delta of recent changes. They are walked in lockstep,
 * a base node and the delta node of the same path together, in the order the one trie
 * holding both would be walked, so the answer is that trie's. Token ids and offsets live in
 * buffers reused across calls: a search allocates the token strings it looks up (once per
 * token) and, on success, the variable values.
 */
export class TrieSearch {
  private readonly bounds = new TokenBounds();
  private message = '';
  private tokenCount = 0;
  private steps = 0;
  /** The hash of each token of the line (edge-table.ts)... */
  private tokenHashes = new Int32Array(64);
  /** ...valid where tokenLines holds the line's number: no clearing per line. */
  private tokenLines = new Int32Array(64);
  private line = 0;
  private varStarts = new Int32Array(32);
  private varEnds = new Int32Array(32);
  private varCount = 0;
  private hidden: LayeredTrie['hidden'];
  /** The trie being searched; the empty one between searches, so none is kept alive. */
  private base: CompactTrie = EMPTY_TRIE;
  /** False while runIgnoringShapes searches: every template's shapes pass. */
  private withShapes = true;
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

  run(trie: LayeredTrie, message: string): MatchResult | undefined {
    const templateId = this.search(trie, message, true);
    if (templateId === 0) {
      this.message = '';
      return undefined;
    }
    const variables = new Array<string>(this.varCount);
    for (let k = 0; k < this.varCount; k++) {
      variables[k] = message.slice(this.varStarts[k], this.varEnds[k]);
    }
    this.message = '';
    return { templateId, variables };
  }

  /**
   * The template whose text takes the message, whatever its variables' shapes, with where each
   * variable's text is in the message: what the generate stage asks about a held line that a
   * known template's shapes refused (generate/vouched.ts).
   */
  runIgnoringShapes(trie: LayeredTrie, message: string): SpanMatch | undefined {
    const templateId = this.search(trie, message, false);
    this.message = '';
    if (templateId === 0) return undefined;
    return {
      templateId,
      starts: Array.from(this.varStarts.subarray(0, this.varCount)),
      ends: Array.from(this.varEnds.subarray(0, this.varCount)),
    };
  }

  /** Searches both layers for the message; the matched id or 0, the variables in varStarts/varEnds. */
  private search(trie: LayeredTrie, message: string, withShapes: boolean): number {
    this.message = message;
    const count = (this.tokenCount = this.bounds.scan(message));
    if (this.tokenHashes.length < count) {
      this.tokenHashes = new Int32Array(this.bounds.starts.length);
      this.tokenLines = new Int32Array(this.bounds.starts.length);
    }
    if (++this.line === 0x7fffffff) {
      // Line numbers start over: forget every entry, or an old one could pass for current.
      this.tokenLines.fill(0);
      this.line = 1;
    }
    this.steps = 0;
    this.varCount = 0;
    this.withShapes = withShapes;
    this.hidden = trie.hidden;
    this.base = trie.base;
    const templateId = this.visit(0, trie.delta, 0);
    this.hidden = undefined;
    this.base = EMPTY_TRIE;
    return templateId;
  }

  /** The base's child of node `b` through token `index` (at `start`..`end`), or NONE. */
  private literalChild(b: number, index: number, start: number, end: number): number {
    const base = this.base;
    const nodes = base.nodes;
    const count = nodes[b + EDGE_COUNT] ?? 0;
    if (count > DIRECT_EDGES) {
      const hash = this.tokenHash(index, start, end);
      return base.bigEdges.get(nodes, base.chars, b, hash, this.message, start, end);
    }
    // The edges inline: a filter of length and first character, then the label at the child.
    const filter = edgeFilter(this.message, start, end);
    const first = edgesAt(nodes, b);
    for (let edge = first; edge < first + count * EDGE_INTS; edge += EDGE_INTS) {
      if (nodes[edge] !== filter) continue;
      const child = nodes[edge + 1] ?? NONE;
      if (labelIs(nodes, base.chars, child, this.message, start, end)) return child;
    }
    return NONE;
  }

  /** The hash of token `index` (computed once per line). */
  private tokenHash(index: number, start: number, end: number): number {
    if (this.tokenLines[index] === this.line) return this.tokenHashes[index] ?? 0;
    const hash = hashOf(this.message, start, end);
    this.tokenHashes[index] = hash;
    this.tokenLines[index] = this.line;
    return hash;
  }

  /**
   * Visits base node `b` (NONE: the path is not in the base) and delta node `d` (undefined:
   * not in the delta) as one node. Returns the matched template id, or 0.
   */
  private visit(b: number, d: TrieNode | undefined, index: number): number {
    if (++this.steps > MAX_STEPS) return 0;
    const base = this.base;
    const nodes = base.nodes;
    const count = this.tokenCount;
    if (index === count) {
      const id = this.templateAt(b, d);
      if (id !== 0) return id;
      const wb = b === NONE ? NONE : (nodes[b + WILDCARD_CHILD] ?? NONE);
      const wd = d?.wildcard;
      if (wb === NONE && wd === undefined) return 0;
      const end = this.message.length;
      return this.visitWildcard(wb, wd, end, end, index);
    }
    const { starts, ends } = this.bounds;
    const start = starts[index] ?? 0;
    const end = ends[index] ?? start;
    let lb = NONE;
    if (b !== NONE && (nodes[b + EDGE_COUNT] ?? 0) > 0) {
      lb = this.literalChild(b, index, start, end);
    }
    const ld = d === undefined ? undefined : literalOf(d, this.message.slice(start, end));
    if (lb !== NONE || ld !== undefined) {
      const id = this.visit(lb, ld, index + 1);
      if (id !== 0) return id;
    }
    const hasBasePatterns = b !== NONE && (nodes[b + PATTERN_COUNT] ?? 0) !== 0;
    if (hasBasePatterns || (d !== undefined && d.patternLengths !== 0)) {
      const id = this.visitPatterns(b, d, start, end, index);
      if (id !== 0) return id;
    }
    const wb = b === NONE ? NONE : (nodes[b + WILDCARD_CHILD] ?? NONE);
    const wd = d?.wildcard;
    if (wb === NONE && wd === undefined) return 0;
    if (this.isLeaf(wb) && (wd === undefined || isLeafNode(wd))) {
      // A trailing wildcard takes everything left: no need to try each split.
      return this.visitWildcard(wb, wd, start, ends[count - 1] ?? start, count);
    }
    for (let next = index + 1; next <= count; next++) {
      const id = this.visitWildcard(wb, wd, start, ends[next - 1] ?? start, next);
      if (id !== 0) return id;
      if (this.steps > MAX_STEPS) return 0;
    }
    // Last resort: the wildcard stands for nothing (LogHub templates sometimes need it).
    return this.visitWildcard(wb, wd, start, start, index);
  }

  /** Whether base node `b` has no child (NONE counts as such). */
  private isLeaf(b: number): boolean {
    const nodes = this.base.nodes;
    if (b === NONE) return true;
    return (
      nodes[b + EDGE_COUNT] === 0 && nodes[b + PATTERN_COUNT] === 0 && nodes[b + WILDCARD_CHILD] === NONE
    );
  }

  /**
   * The smallest id among the templates ending here (in either layer, less those the delta
   * hides in the base) whose variable shapes the texts just matched fit (shapes.ts); 0 when
   * none does, and the search backtracks.
   */
  private templateAt(b: number, d: TrieNode | undefined): number {
    const base = this.base;
    const nodes = base.nodes;
    let k = 0;
    let baseEnd = 0;
    if (b !== NONE) {
      k = nodes[b + TERMS_AT] ?? 0;
      baseEnd = k + (nodes[b + TERM_COUNT] ?? 0) * TERM_INTS;
    }
    const ids = d?.ids;
    const hidden = this.hidden;
    if (ids === undefined && hidden === undefined) {
      // The common case: the base alone, nothing hidden.
      for (; k < baseEnd; k += TERM_INTS) {
        const shapes = termShapes(nodes, k);
        if (shapes === NONE || this.fits(base.shapes[shapes] ?? [])) return termId(nodes, k);
      }
      return 0;
    }
    let j = 0;
    const deltaEnd = ids?.length ?? 0;
    while (k < baseEnd || j < deltaEnd) {
      const baseId = k < baseEnd ? termId(nodes, k) : Infinity;
      const deltaId = j < deltaEnd ? (ids?.[j] ?? Infinity) : Infinity;
      if (baseId < deltaId) {
        const shapes = termShapes(nodes, k);
        k += TERM_INTS;
        if (hidden?.has(baseId) === true) continue;
        if (shapes === NONE || this.fits(base.shapes[shapes] ?? [])) return baseId;
      } else {
        const shapes = d?.shapes?.[j];
        j++;
        if (shapes === undefined || this.fits(shapes)) return deltaId;
      }
    }
    return 0;
  }

  private fits(shapes: readonly VariableShape[]): boolean {
    if (!this.withShapes) return true;
    return fitsShapes(shapes, this.message, this.varStarts, this.varEnds, this.varCount);
  }

  private visitWildcard(
    b: number,
    d: TrieNode | undefined,
    start: number,
    end: number,
    next: number,
  ): number {
    const saved = this.varCount;
    this.pushVar(start, end);
    const id = this.visit(b, d, next);
    if (id === 0) this.varCount = saved;
    return id;
  }

  /**
   * The pattern edges of both layers in the order of the one trie holding both: longer bucket
   * keys first (more specific), and within a bucket most precise first; an edge in both layers
   * is one edge of that trie, its two children visited together.
   */
  private visitPatterns(
    b: number,
    d: TrieNode | undefined,
    start: number,
    end: number,
    index: number,
  ): number {
    const nodes = this.base.nodes;
    const first = b === NONE ? 0 : (nodes[b + PATTERN_START] ?? 0);
    const stop = b === NONE ? 0 : first + (nodes[b + PATTERN_COUNT] ?? 0);
    const deltaLengths = d?.patternLengths ?? 0;
    if (deltaLengths === 0) return this.visitBasePatterns(first, stop, -1, start, end, index);
    const longest = Math.min(BUCKET_PREFIX, end - start);
    for (let length = longest; length >= 0; length--) {
      const deltaBucket =
        (deltaLengths & (1 << length)) === 0 || d === undefined
          ? undefined
          : bucketOf(d, this.message.slice(start, start + length));
      const id =
        deltaBucket === undefined
          ? this.visitBasePatterns(first, stop, length, start, end, index)
          : this.visitMergedBucket(first, stop, length, deltaBucket, start, end, index);
      if (id !== 0) return id;
    }
    return 0;
  }

  /**
   * The base's pattern edges `first`..`stop` whose key the token starts with (and, unless
   * `length` is -1, whose key has `length` characters), in their stored order.
   */
  private visitBasePatterns(
    first: number,
    stop: number,
    length: number,
    start: number,
    end: number,
    index: number,
  ): number {
    const base = this.base;
    const edges = base.patternEdges;
    for (let edge = first; edge < stop; edge++) {
      const at = edge * PATTERN_EDGE_INTS;
      if (!startsWithPackedKey(edges, at + 2, length, this.message, start, end)) continue;
      const own = base.patterns[edges[at] ?? 0];
      if (own === undefined) continue;
      const id = this.visitPattern(own.pattern, edges[at + 1] ?? NONE, undefined, start, end, index);
      if (id !== 0) return id;
    }
    return 0;
  }

  private baseKeyFits(edge: number, length: number, start: number, end: number): boolean {
    const at = edge * PATTERN_EDGE_INTS + 2;
    return startsWithPackedKey(this.base.patternEdges, at, length, this.message, start, end);
  }

  private baseChildAt(edge: number): number {
    return this.base.patternEdges[edge * PATTERN_EDGE_INTS + 1] ?? NONE;
  }

  /** One bucket of keys of `length` characters: the base's edges in it merged with the delta's. */
  private visitMergedBucket(
    first: number,
    stop: number,
    length: number,
    deltaBucket: readonly PatternEdge[],
    start: number,
    end: number,
    index: number,
  ): number {
    const base = this.base;
    let edge = first;
    let j = 0;
    for (;;) {
      while (edge < stop && !this.baseKeyFits(edge, length, start, end)) edge++;
      const baseEdge =
        edge < stop ? base.patterns[base.patternEdges[edge * PATTERN_EDGE_INTS] ?? 0] : undefined;
      const deltaEdge = deltaBucket[j];
      if (baseEdge === undefined && deltaEdge === undefined) return 0;
      const order =
        baseEdge === undefined ? 1 : deltaEdge === undefined ? -1 : morePreciseFirst(baseEdge, deltaEdge);
      let id: number;
      if (order < 0 && baseEdge !== undefined) {
        id = this.visitPattern(baseEdge.pattern, this.baseChildAt(edge), undefined, start, end, index);
        edge++;
      } else if (order > 0 && deltaEdge !== undefined) {
        id = this.visitPattern(deltaEdge.pattern, NONE, deltaEdge.child, start, end, index);
        j++;
      } else {
        const pattern = (deltaEdge ?? baseEdge)?.pattern;
        if (pattern === undefined) return 0;
        id = this.visitPattern(pattern, this.baseChildAt(edge), deltaEdge?.child, start, end, index);
        edge++;
        j++;
      }
      if (id !== 0) return id;
    }
  }

  /** One pattern edge: over this token, then (when it fails) spanning the following tokens. */
  private visitPattern(
    pattern: TokenPattern,
    b: number,
    d: TrieNode | undefined,
    start: number,
    end: number,
    index: number,
  ): number {
    const saved = this.varCount;
    if (matchPattern(pattern, this.message, start, end, this.pushVar)) {
      const id = this.visit(b, d, index + 1);
      if (id !== 0) return id;
    }
    this.varCount = saved;
    return this.visitSpanningPattern(pattern, b, d, start, end, index);
  }

  /**
   * LogHub templates embed a `<*>` that stands for several whitespace tokens, as in
   * `tag="<*>"` for `tag="View Lock"` or `(estimated size <*>, free <*>)`. After the
   * one-token attempt fails, a pattern whose prefix fits this token and that ends in a
   * literal suffix may extend over the following tokens, up to one whose end fits it.
   */
  private visitSpanningPattern(
    pattern: TokenPattern,
    b: number,
    d: TrieNode | undefined,
    start: number,
    end: number,
    index: number,
  ): number {
    const segments = pattern.segments;
    const prefix = segments[0] ?? '';
    const suffix = segments[segments.length - 1] ?? '';
    const message = this.message;
    // Only a pattern closed by a suffix may span: `rhost=<*>` must not swallow the rest of
    // the line (that is the job of a lone trailing `<*>`, which is more general and so tried last).
    if (suffix === '' || prefix.length > end - start || !message.startsWith(prefix, start)) return 0;
    const { ends } = this.bounds;
    for (let last = index + 1; last < this.tokenCount; last++) {
      if (++this.steps > MAX_STEPS) return 0;
      const spanEnd = ends[last] ?? 0;
      if (!message.startsWith(suffix, spanEnd - suffix.length)) continue;
      const saved = this.varCount;
      if (matchPattern(pattern, message, start, spanEnd, this.pushVar)) {
        const id = this.visit(b, d, last + 1);
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

function literalOf(node: TrieNode, token: string): TrieNode | undefined {
  const literalMap = node.literalMap;
  return literalMap !== undefined ? literalMap.get(token) : node.literals?.get(token);
}

function bucketOf(node: TrieNode, key: string): readonly PatternEdge[] | undefined {
  const patternMap = node.patternMap;
  return patternMap !== undefined ? patternMap.get(key) : node.patterns?.get(key);
}

function isLeafNode(node: TrieNode): boolean {
  return node.literals === undefined && node.patterns === undefined && node.wildcard === undefined;
}
