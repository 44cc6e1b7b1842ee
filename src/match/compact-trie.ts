import { WILDCARD } from '../model/template.ts';
import { bucketKey, parsePattern, type TokenPattern } from './pattern.ts';
import { EdgeTable, hashOf } from './edge-table.ts';
import {
  DIRECT_EDGES,
  EDGE_COUNT,
  EDGE_INTS,
  edgeFilter,
  LABEL_LENGTH,
  labelInts,
  NODE_HEADER,
  NONE,
  packKey,
  PATTERN_COUNT,
  PATTERN_EDGE_INTS,
  PATTERN_START,
  TERM_COUNT,
  TERM_INTS,
  TERMS_AT,
  WILDCARD_CHILD,
  writeTerm,
} from './node-record.ts';
import type { VariableShape } from './shapes.ts';
import type { Shapes } from './trie.ts';

/**
 * The read-only token trie of an org, flattened into typed arrays. The persistent trie
 * (trie.ts) spends a node object, a persistent map, a native Map and its hash table per node,
 * scattered over the heap: at 10,000 templates each token of a line cost several cache misses
 * (docs/benchmarks.md, "Matching"). Here a node is one record of ints in `nodes`
 * (node-record.ts): a header, the token leading to it, its literal edges, the templates ending
 * there. A step of the search reads one record, and compares the line's token with characters
 * it finds there; never a token string, never another array. Records are laid out depth first,
 * so a node's first child is the record right after it and a template's path is one run of
 * memory, which the processor reads ahead.
 */

/** A token with `<*>` inside, once per trie however many nodes have it. */
export interface CompactPattern {
  readonly token: string;
  readonly pattern: TokenPattern;
  /** Its first characters, up to BUCKET_PREFIX: a line's token must start with them. */
  readonly key: string;
}

export interface CompactTrie {
  /** The node records (node-record.ts); the root's is at 0. */
  readonly nodes: Int32Array;
  /** `nodes` as 16-bit units: the labels' characters. */
  readonly chars: Uint16Array;
  /** The literal edges of nodes with more than DIRECT_EDGES of them, keyed by node and token. */
  readonly bigEdges: EdgeTable;
  /**
   * A node's pattern edges, PATTERN_EDGE_INTS each (node-record.ts), in the order the search
   * tries them: longer key first, then by key, then most precise first (morePreciseFirst). Of
   * the edges whose key a token starts with, this is the order of trie.ts's buckets, longest
   * key first.
   */
  readonly patternEdges: Int32Array;
  readonly patterns: readonly CompactPattern[];
  /** The shapes of the templates that have them: a node's terms hold the index here, or NONE. */
  readonly shapes: readonly (readonly VariableShape[])[];
  /** Bytes of the typed arrays (the patterns and shapes come on top). */
  readonly bytes: number;
}

/** One template to index: its tokens, id and variable shapes. */
export interface TrieEntry {
  readonly tokens: readonly string[];
  readonly id: number;
  readonly shapes: Shapes;
}

/** Codes of a template's tokens: literals by dictionary id, then patterns, then the lone `<*>`. */
const PATTERN_CODE = 1 << 29;
const WILDCARD_CODE = 1 << 30;

/**
 * Builds the trie without a node object per node: each template becomes a run of token codes,
 * the runs are sorted, and one pass over them numbers the nodes in depth-first order (a run
 * shares its longest common prefix with the run before it), with each node's children in code
 * order. A node's literal edges then come out as one sorted range. This is what lets a change
 * rebuild the base cheaply enough (layered-trie.ts).
 */
export function buildCompactTrie(entries: readonly TrieEntry[]): CompactTrie {
  return finish(compactTrieSteps(entries));
}

/** Runs a build's steps to the end, in one go. */
export function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * Units of work (a token coded, a comparison, a node or an edge placed) between two pauses of
 * a build: small enough that a pause comes every few tens of microseconds, so the one driving
 * it (rebuild.ts) can stop within its slice of the event loop.
 */
export const WORK_PER_STEP = 512;

/**
 * buildCompactTrie as steps: it pauses (yields) every WORK_PER_STEP units of work, so that the
 * base of a large org can be rebuilt in slices of the event loop while the old one answers.
 */
export function* compactTrieSteps(entries: readonly TrieEntry[]): Generator<void, CompactTrie> {
  let work = 0;
  const dictionary = new Map<string, number>();
  const patternTokens: string[] = [];
  const patternCodes = new Map<string, number>();
  let total = 0;
  for (const entry of entries) total += entry.tokens.length;
  const codes = new Int32Array(total);
  const runStart = new Int32Array(entries.length + 1);
  let at = 0;
  for (const [k, { tokens }] of entries.entries()) {
    runStart[k] = at;
    for (const token of tokens) codes[at++] = codeOf(token, dictionary, patternCodes, patternTokens);
    if ((work += tokens.length) >= WORK_PER_STEP) {
      work = 0;
      yield;
    }
  }
  runStart[entries.length] = at;

  const order = yield* sortSteps(
    entries.length,
    (x, y) => compareRuns(codes, runStart, x, y) || (entries[x]?.id ?? 0) - (entries[y]?.id ?? 0),
  );

  // One pass over the sorted runs: the nodes, each with its parent and the code leading to it.
  const parent = new Int32Array(total + 1);
  const code = new Int32Array(total + 1);
  const path = new Int32Array(longestRun(runStart) + 1);
  const nodeTerms = new Int32Array(total + 1);
  // Each run's template id and shapes' index, in run order: by node, as the records want them.
  const terms = new Float64Array(entries.length * 2);
  const shapes: (readonly VariableShape[])[] = [];
  let nodeCount = 1;
  let previous = -1;
  for (let t = 0; t < order.length; t++) {
    if (t % WORK_PER_STEP === WORK_PER_STEP - 1) yield;
    const k = order[t] ?? 0;
    const start = runStart[k] ?? 0;
    const length = (runStart[k + 1] ?? 0) - start;
    let shared = previous < 0 ? 0 : commonPrefix(codes, runStart, previous, k);
    for (; shared < length; shared++) {
      parent[nodeCount] = path[shared] ?? 0;
      code[nodeCount] = codes[start + shared] ?? 0;
      path[shared + 1] = nodeCount++;
    }
    const end = path[length] ?? 0;
    nodeTerms[end] = (nodeTerms[end] ?? 0) + 1;
    const own = entries[k]?.shapes;
    terms[t * 2] = entries[k]?.id ?? 0;
    terms[t * 2 + 1] = own === undefined ? NONE : shapes.push(own) - 1;
    previous = k;
  }

  const literals = [...dictionary.keys()];
  // Per node: its literal and pattern children.
  const literalCount = new Int32Array(nodeCount);
  const patternCount = new Int32Array(nodeCount);
  for (let n = 1; n < nodeCount; n++) {
    if (n % WORK_PER_STEP === 0) yield;
    const c = code[n] ?? 0;
    const p = parent[n] ?? 0;
    if (c === WILDCARD_CODE) continue;
    if (c >= PATTERN_CODE) patternCount[p] = (patternCount[p] ?? 0) + 1;
    else literalCount[p] = (literalCount[p] ?? 0) + 1;
  }
  const labelOf = (n: number): string => {
    const c = code[n] ?? 0;
    return n === 0 || c >= PATTERN_CODE ? '' : (literals[c] ?? '');
  };
  // Each record's offset, in node (depth-first) order.
  const offset = new Int32Array(nodeCount);
  let size = 0;
  let bigEdgeCount = 0;
  for (let n = 0; n < nodeCount; n++) {
    if (n % WORK_PER_STEP === WORK_PER_STEP - 1) yield;
    offset[n] = size;
    const literalEdges = literalCount[n] ?? 0;
    if (literalEdges > DIRECT_EDGES) bigEdgeCount += literalEdges;
    else size += literalEdges * EDGE_INTS;
    size += NODE_HEADER + labelInts(labelOf(n).length) + (nodeTerms[n] ?? 0) * TERM_INTS;
  }
  const nodes = new Int32Array(size);
  const chars = new Uint16Array(nodes.buffer);
  // Headers, labels and terms; `edgeAt` is each node's next free place for an inline edge.
  const edgeAt = new Int32Array(nodeCount);
  let patternAt = 0;
  let t = 0;
  for (let n = 0; n < nodeCount; n++) {
    if (n % WORK_PER_STEP === WORK_PER_STEP - 1) yield;
    const o = offset[n] ?? 0;
    const label = labelOf(n);
    const literalEdges = literalCount[n] ?? 0;
    nodes[o + EDGE_COUNT] = literalEdges;
    nodes[o + WILDCARD_CHILD] = NONE;
    nodes[o + PATTERN_START] = patternAt;
    patternAt += patternCount[n] ?? 0;
    nodes[o + LABEL_LENGTH] = label.length;
    for (let k = 0; k < label.length; k++) chars[(o + NODE_HEADER) * 2 + k] = label.charCodeAt(k);
    edgeAt[n] = o + NODE_HEADER + labelInts(label.length);
    let at = (edgeAt[n] ?? 0) + (literalEdges > DIRECT_EDGES ? 0 : literalEdges * EDGE_INTS);
    nodes[o + TERM_COUNT] = nodeTerms[n] ?? 0;
    nodes[o + TERMS_AT] = at;
    for (let j = 0; j < (nodeTerms[n] ?? 0); j++, t++, at += TERM_INTS) {
      writeTerm(nodes, at, terms[t * 2] ?? 0, terms[t * 2 + 1] ?? NONE);
    }
  }
  const bigEdges = new EdgeTable(bigEdgeCount);
  const patternEdges = new Int32Array(patternAt * PATTERN_EDGE_INTS);
  const patterns = patternTokens.map((token): CompactPattern => {
    const pattern = parsePattern(token);
    return { token, pattern, key: bucketKey(pattern) };
  });
  // Children come in code order, so each node's inline edges are in one order as they fill.
  for (let n = 1; n < nodeCount; n++) {
    if (n % WORK_PER_STEP === 0) yield;
    const p = parent[n] ?? 0;
    const o = offset[p] ?? 0;
    const c = code[n] ?? 0;
    const child = offset[n] ?? 0;
    if (c === WILDCARD_CODE) {
      nodes[o + WILDCARD_CHILD] = child;
    } else if (c >= PATTERN_CODE) {
      const filled = nodes[o + PATTERN_COUNT] ?? 0;
      nodes[o + PATTERN_COUNT] = filled + 1;
      const at = ((nodes[o + PATTERN_START] ?? 0) + filled) * PATTERN_EDGE_INTS;
      const [head, tail] = packKey(patterns[c - PATTERN_CODE]?.key ?? '');
      patternEdges.set([c - PATTERN_CODE, child, head, tail], at);
    } else {
      const token = literals[c] ?? '';
      if ((literalCount[p] ?? 0) > DIRECT_EDGES) {
        bigEdges.add(o, hashOf(token, 0, token.length), child);
      } else {
        const edge = edgeAt[p] ?? 0;
        nodes[edge] = edgeFilter(token, 0, token.length);
        nodes[edge + 1] = child;
        edgeAt[p] = edge + EDGE_INTS;
      }
    }
  }
  for (let n = 0; n < nodeCount; n++) {
    if (n % WORK_PER_STEP === WORK_PER_STEP - 1) yield;
    if ((patternCount[n] ?? 0) > 1) sortPatternRange(nodes, offset[n] ?? 0, patternEdges, patterns);
  }
  const bytes = bigEdges.bytes + nodes.byteLength + patternEdges.byteLength;
  return { nodes, chars, bigEdges, patternEdges, patterns, shapes, bytes };
}

/**
 * The numbers 0..count-1 in the order of `compare`, by a bottom-up merge sort that pauses
 * every WORK_PER_STEP comparisons (Array.prototype.sort cannot be paused: at 10,000
 * templates it is milliseconds in one piece). Stable, like the sort it replaced.
 */
function* sortSteps(count: number, compare: (x: number, y: number) => number): Generator<void, Int32Array> {
  let from = Int32Array.from({ length: count }, (_, k) => k);
  let to = new Int32Array(count);
  let work = 0;
  for (let width = 1; width < count; width *= 2) {
    for (let left = 0; left < count; left += 2 * width) {
      const middle = Math.min(left + width, count);
      const right = Math.min(left + 2 * width, count);
      let i = left;
      let j = middle;
      for (let k = left; k < right; k++) {
        const x = from[i] ?? 0;
        const y = from[j] ?? 0;
        if (i < middle && (j >= right || compare(x, y) <= 0)) {
          to[k] = x;
          i++;
        } else {
          to[k] = y;
          j++;
        }
        if (++work === WORK_PER_STEP) {
          work = 0;
          yield;
        }
      }
    }
    [from, to] = [to, from];
  }
  return from;
}

function sortPatternRange(
  nodes: Int32Array,
  node: number,
  patternEdges: Int32Array,
  patterns: readonly CompactPattern[],
): void {
  const start = (nodes[node + PATTERN_START] ?? 0) * PATTERN_EDGE_INTS;
  const count = nodes[node + PATTERN_COUNT] ?? 0;
  const range = Array.from({ length: count }, (_, k) =>
    patternEdges.slice(start + k * PATTERN_EDGE_INTS, start + (k + 1) * PATTERN_EDGE_INTS),
  );
  range.sort((x, y) => searchOrder(patterns[x[0] ?? 0], patterns[y[0] ?? 0]));
  for (const [k, edge] of range.entries()) patternEdges.set(edge, start + k * PATTERN_EDGE_INTS);
}

function searchOrder(a: CompactPattern | undefined, b: CompactPattern | undefined): number {
  if (a === undefined || b === undefined) return 0;
  if (a.key.length !== b.key.length) return b.key.length - a.key.length;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return morePreciseFirst(a, b);
}

function codeOf(
  token: string,
  dictionary: Map<string, number>,
  patternCodes: Map<string, number>,
  patternTokens: string[],
): number {
  if (token === WILDCARD) return WILDCARD_CODE;
  if (token.includes(WILDCARD)) {
    let code = patternCodes.get(token);
    if (code === undefined) {
      patternCodes.set(token, (code = PATTERN_CODE + patternTokens.length));
      patternTokens.push(token);
    }
    return code;
  }
  let id = dictionary.get(token);
  if (id === undefined) dictionary.set(token, (id = dictionary.size));
  return id;
}

function compareRuns(codes: Int32Array, runStart: Int32Array, x: number, y: number): number {
  const xs = runStart[x] ?? 0;
  const ys = runStart[y] ?? 0;
  const xl = (runStart[x + 1] ?? 0) - xs;
  const yl = (runStart[y + 1] ?? 0) - ys;
  const length = Math.min(xl, yl);
  for (let k = 0; k < length; k++) {
    const difference = (codes[xs + k] ?? 0) - (codes[ys + k] ?? 0);
    if (difference !== 0) return difference;
  }
  return xl - yl;
}

function commonPrefix(codes: Int32Array, runStart: Int32Array, x: number, y: number): number {
  const xs = runStart[x] ?? 0;
  const ys = runStart[y] ?? 0;
  const length = Math.min((runStart[x + 1] ?? 0) - xs, (runStart[y + 1] ?? 0) - ys);
  let k = 0;
  while (k < length && codes[xs + k] === codes[ys + k]) k++;
  return k;
}

function longestRun(runStart: Int32Array): number {
  let longest = 0;
  for (let k = 1; k < runStart.length; k++)
    longest = Math.max(longest, (runStart[k] ?? 0) - (runStart[k - 1] ?? 0));
  return longest;
}

/** The order of a pattern bucket: more literal text first, then by token (as trie.ts orders). */
export function morePreciseFirst(
  a: { readonly token: string; readonly pattern: TokenPattern },
  b: { readonly token: string; readonly pattern: TokenPattern },
): number {
  const byLength = b.pattern.literalLength - a.pattern.literalLength;
  if (byLength !== 0) return byLength;
  return a.token < b.token ? -1 : a.token > b.token ? 1 : 0;
}

/** The trie of no template: its root only. */
export const EMPTY_TRIE: CompactTrie = buildCompactTrie([]);
