/**
 * The layout of one node of a compact trie (compact-trie.ts) in its `nodes` array, and the
 * reads the search makes of it. A node is named by its record's offset; the root's is 0.
 *
 *   header (NODE_HEADER ints) | its label: the literal token leading to it, two UTF-16 units
 *   to an int | its inline literal edges, EDGE_INTS each | its templates, TERM_INTS each
 *
 * The label lives in the child, not in the parent's edge: the search reads the child's record
 * anyway once the token matched, so checking the token there costs no other cache line, and a
 * parent's edges stay two ints each (a filter of length and first character, and the child).
 */
export const NODE_HEADER = 7;
/** Literal edges of the node: inline if DIRECT_EDGES or fewer, else in the trie's EdgeTable. */
export const EDGE_COUNT = 0;
/** Child through a lone `<*>`, or NONE. */
export const WILDCARD_CHILD = 1;
/** First pattern edge of the node in the trie's `patternEdges` (in edges, not ints), and how many. */
export const PATTERN_START = 2;
export const PATTERN_COUNT = 3;
/** Templates ending at the node, and the offset of the first one's TERM_INTS. */
export const TERM_COUNT = 4;
export const TERMS_AT = 5;
/** Characters of the node's label (0 for the root and for a node reached by a pattern or `<*>`). */
export const LABEL_LENGTH = 6;
export const NONE = -1;
/** An inline literal edge: the filter (edgeFilter of its token) and the child. */
export const EDGE_INTS = 2;
/**
 * Up to this many literal children, a node keeps them inline, and the search looks through
 * them in place (most nodes have one or two); a node with more has them in the EdgeTable,
 * one probe each.
 */
export const DIRECT_EDGES = 4;
/** Ints per template in a node: its id's low and high 32 bits (ids have 52), its shapes' index or NONE. */
export const TERM_INTS = 3;
const HIGH = 2 ** 32;

/** Ints a label of `length` characters takes. */
export function labelInts(length: number): number {
  return (length + 1) >> 1;
}

/** Where the inline edges of node `node` start. */
export function edgesAt(nodes: Int32Array, node: number): number {
  return node + NODE_HEADER + labelInts(nodes[node + LABEL_LENGTH] ?? 0);
}

/** An edge's filter: the token's length and first character in one int (equal for equal tokens). */
export function edgeFilter(text: string, start: number, end: number): number {
  return ((end - start) & 0xffff) | (text.charCodeAt(start) << 16);
}

/** Whether node `node`'s label is `text.slice(start, end)`. `chars` is `nodes` as 16-bit units. */
export function labelIs(
  nodes: Int32Array,
  chars: Uint16Array,
  node: number,
  text: string,
  start: number,
  end: number,
): boolean {
  const length = end - start;
  if (nodes[node + LABEL_LENGTH] !== length) return false;
  const from = (node + NODE_HEADER) * 2;
  for (let k = 0; k < length; k++) if (chars[from + k] !== text.charCodeAt(start + k)) return false;
  return true;
}

export function writeTerm(nodes: Int32Array, at: number, id: number, shapes: number): void {
  nodes[at] = id >>> 0;
  nodes[at + 1] = Math.floor(id / HIGH);
  nodes[at + 2] = shapes;
}

/** The shapes' index (or NONE) of the template whose TERM_INTS start at `at`. */
export function termShapes(nodes: Int32Array, at: number): number {
  return nodes[at + 2] ?? NONE;
}

/** The id of the template whose TERM_INTS start at `at`. */
export function termId(nodes: Int32Array, at: number): number {
  return (nodes[at + 1] ?? 0) * HIGH + ((nodes[at] ?? 0) >>> 0);
}

/**
 * Ints per pattern edge in a trie's `patternEdges`: the pattern (index in `patterns`), the
 * child, and the pattern's bucket key (at most BUCKET_PREFIX = 3 characters) packed in two
 * ints (packKey), so that the search passes over the edges whose key the token does not start
 * with without reading their pattern objects, which lie elsewhere in the heap.
 */
export const PATTERN_EDGE_INTS = 4;

/** The two ints of a key of up to 3 characters: its length and first character, then the other two. */
export function packKey(key: string): [number, number] {
  return [key.length | (key.charCodeAt(0) << 16), (key.charCodeAt(1) & 0xffff) | (key.charCodeAt(2) << 16)];
}

/**
 * Whether the packed key at `at` (packKey) is the start of `text.slice(start, end)`, with
 * exactly `length` characters unless `length` is -1.
 */
export function startsWithPackedKey(
  edges: Int32Array,
  at: number,
  length: number,
  text: string,
  start: number,
  end: number,
): boolean {
  const head = edges[at] ?? 0;
  const keyLength = head & 0xffff;
  if (length >= 0 ? keyLength !== length : keyLength > end - start) return false;
  if (keyLength === 0) return true;
  if (text.charCodeAt(start) !== head >>> 16) return false;
  if (keyLength === 1) return true;
  const tail = edges[at + 1] ?? 0;
  if (text.charCodeAt(start + 1) !== (tail & 0xffff)) return false;
  return keyLength === 2 || text.charCodeAt(start + 2) === tail >>> 16;
}
