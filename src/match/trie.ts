import { WILDCARD } from '../model/template.ts';
import { bucketKey, parsePattern, type TokenPattern } from './pattern.ts';
import { PersistentMap } from './persistent-map.ts';
import type { VariableShape } from './shapes.ts';

/** The variable shapes of a template (shapes.ts); undefined: it has none and matches unconstrained. */
export type Shapes = readonly VariableShape[] | undefined;

export interface PatternEdge {
  readonly token: string;
  readonly pattern: TokenPattern;
  readonly child: TrieNode;
}

/**
 * One node of an org's token trie. Nodes are immutable: an insert or a removal copies
 * the nodes on its path and shares every other node with the previous trie.
 */
export interface TrieNode {
  readonly literals: PersistentMap<string, TrieNode> | undefined;
  /** Bucketed by the pattern's first characters; each bucket most specific first. */
  readonly patterns: PersistentMap<string, readonly PatternEdge[]> | undefined;
  /** The child reached through a lone `<*>`. */
  readonly wildcard: TrieNode | undefined;
  /**
   * Ids of the templates that end here, ascending. Templates with the same token sequence
   * share a node and all stay registered; a match reports the smallest id, so every
   * matcher that holds the same templates answers the same, whatever the update order.
   */
  readonly ids: readonly number[] | undefined;
  /** shapes[k] belongs to ids[k]; undefined when none of the ids has shapes. */
  readonly shapes: readonly Shapes[] | undefined;
  // Derived from the fields above, for the search (see `search.ts`):
  /** `literals.plain`: the native Map to look a token up in directly, when it has one. */
  readonly literalMap: ReadonlyMap<string, TrieNode> | undefined;
  /** `patterns.plain`, likewise. */
  readonly patternMap: ReadonlyMap<string, readonly PatternEdge[]> | undefined;
  /**
   * Bit L is set when a pattern bucket key has L characters (0..BUCKET_PREFIX); 0 when
   * there are no patterns. Lets the search skip the slices and lookups of absent lengths.
   */
  readonly patternLengths: number;
}

/**
 * Every node is built here, so that all have the same fields in the same order (one hidden
 * class); undefined where the node would hold nothing (a pruned branch).
 */
function makeNode(
  literals: PersistentMap<string, TrieNode> | undefined,
  patterns: PersistentMap<string, readonly PatternEdge[]> | undefined,
  patternLengths: number,
  wildcard: TrieNode | undefined,
  ids: readonly number[] | undefined,
  shapes: readonly Shapes[] | undefined,
): TrieNode | undefined {
  if (literals?.size === 0) literals = undefined;
  if (patterns?.size === 0) patterns = undefined;
  if (patterns === undefined) patternLengths = 0;
  if (ids?.length === 0) ids = undefined;
  if (ids === undefined || shapes?.every((s) => s === undefined) === true) shapes = undefined;
  if (literals === undefined && patterns === undefined && wildcard === undefined && ids === undefined) {
    return undefined;
  }
  return {
    literals,
    patterns,
    wildcard,
    ids,
    shapes,
    literalMap: literals?.plain,
    patternMap: patterns?.plain,
    patternLengths,
  };
}

/** The root of a trie with no templates: the same fields in the same order as makeNode's. */
export const EMPTY_NODE: TrieNode = {
  literals: undefined,
  patterns: undefined,
  wildcard: undefined,
  ids: undefined,
  shapes: undefined,
  literalMap: undefined,
  patternMap: undefined,
  patternLengths: 0,
};

function lengthsOf(patterns: PersistentMap<string, readonly PatternEdge[]>): number {
  let lengths = 0;
  for (const [key] of patterns.entries()) lengths |= 1 << key.length;
  return lengths;
}

function morePreciseFirst(a: PatternEdge, b: PatternEdge): number {
  const byLength = b.pattern.literalLength - a.pattern.literalLength;
  if (byLength !== 0) return byLength;
  return a.token < b.token ? -1 : a.token > b.token ? 1 : 0;
}

/** The trie with one more (or an updated) child under `token`, or without it when `child` is undefined. */
function withChild(node: TrieNode, token: string, child: TrieNode | undefined): TrieNode | undefined {
  if (token === WILDCARD)
    return makeNode(node.literals, node.patterns, node.patternLengths, child, node.ids, node.shapes);
  if (!token.includes(WILDCARD)) {
    const literals = node.literals ?? PersistentMap.empty<string, TrieNode>();
    const next = child === undefined ? literals.delete(token) : literals.set(token, child);
    return makeNode(next, node.patterns, node.patternLengths, node.wildcard, node.ids, node.shapes);
  }
  const pattern = parsePattern(token);
  const key = bucketKey(pattern);
  const patterns = node.patterns ?? PersistentMap.empty<string, readonly PatternEdge[]>();
  const others = (patterns.get(key) ?? []).filter((edge) => edge.token !== token);
  const bucket = child === undefined ? others : [...others, { token, pattern, child }].sort(morePreciseFirst);
  if (bucket.length > 0) {
    const next = patterns.set(key, bucket);
    return makeNode(
      node.literals,
      next,
      node.patternLengths | (1 << key.length),
      node.wildcard,
      node.ids,
      node.shapes,
    );
  }
  // A bucket is gone (rare): another key may still have its length, so recount them all.
  const next = patterns.delete(key);
  return makeNode(node.literals, next, lengthsOf(next), node.wildcard, node.ids, node.shapes);
}

function childAt(node: TrieNode, token: string): TrieNode | undefined {
  if (token === WILDCARD) return node.wildcard;
  if (!token.includes(WILDCARD)) return node.literals?.get(token);
  const bucket = node.patterns?.get(bucketKey(parsePattern(token)));
  return bucket?.find((edge) => edge.token === token)?.child;
}

/** The trie with template `id` (and its variable shapes, replacing any it had) at the end of `tokens`. */
export function insert(
  node: TrieNode,
  tokens: readonly string[],
  index: number,
  id: number,
  shapes: Shapes,
): TrieNode {
  if (index === tokens.length) {
    const ids = node.ids ?? [];
    const at = ids.indexOf(id);
    if (at >= 0 && (node.shapes?.[at] ?? undefined) === shapes) return node;
    // Ids ascending, each with its shapes beside it.
    const entries = ids.map((other, k) => ({ id: other, shapes: node.shapes?.[k] }));
    if (at >= 0) entries[at] = { id, shapes };
    else entries.push({ id, shapes });
    entries.sort((a, b) => a.id - b.id);
    const next = entries.map((e) => e.id);
    const nextShapes = entries.map((e) => e.shapes);
    // Never undefined: the node now holds an id.
    return (
      makeNode(node.literals, node.patterns, node.patternLengths, node.wildcard, next, nextShapes) ??
      EMPTY_NODE
    );
  }
  const token = tokens[index] ?? '';
  const child = insert(childAt(node, token) ?? EMPTY_NODE, tokens, index + 1, id, shapes);
  return withChild(node, token, child) ?? EMPTY_NODE;
}

/** Returns the trie without `id` on this path; undefined when nothing is left. */
export function remove(
  node: TrieNode,
  tokens: readonly string[],
  index: number,
  id: number,
): TrieNode | undefined {
  if (index === tokens.length) {
    if (node.ids === undefined || !node.ids.includes(id)) return node;
    const ids = node.ids.filter((other) => other !== id);
    const shapes = node.shapes?.filter((_, k) => node.ids?.[k] !== id);
    return makeNode(node.literals, node.patterns, node.patternLengths, node.wildcard, ids, shapes);
  }
  const token = tokens[index] ?? '';
  const child = childAt(node, token);
  if (child === undefined) return node;
  const next = remove(child, tokens, index + 1, id);
  if (next === child) return node;
  return withChild(node, token, next);
}
