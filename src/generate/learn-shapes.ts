import { MatcherSnapshot } from '../match/index.ts';
import { ALL_KINDS, kindOf, shapeOf, tokensIn, widen, type VariableShape } from '../match/shapes.ts';
import { WILDCARD } from '../model/template.ts';

/**
 * Learning the variable shapes of templates (match/shapes.ts) from the lines they were made
 * from: the generate stage does it for every proposal it accepts, whatever the generator.
 */

/** A variable no line was seen for: one token of any kind, as the miner's own templates have. */
export const ONE_TOKEN: VariableShape = Object.freeze({ minTokens: 1, maxTokens: 1, kinds: ALL_KINDS });

/** Per proposal (same index as `texts`; undefined texts are skipped): its variables' shapes over the lines it matches, or undefined when none does. */
export interface Observed {
  readonly shapes: Array<VariableShape[] | undefined>;
  /** Lines each proposal took. */
  readonly lines: number[];
}

/**
 * Matches each line against the proposals alone, without shapes (the most specific path wins,
 * as in the matcher), and widens the taken proposal's shapes by its variables' texts.
 */
export function observeShapes(
  org: string,
  texts: ReadonlyArray<string | undefined>,
  lines: readonly string[],
): Observed {
  const shapes = new Array<VariableShape[] | undefined>(texts.length).fill(undefined);
  const counts = new Array<number>(texts.length).fill(0);
  if (texts.length === 0 || lines.length === 0) return { shapes, lines: counts };
  const scratch = MatcherSnapshot.empty().withChanges(
    texts.flatMap((text, k) =>
      text === undefined
        ? []
        : [{ id: k + 1, org, text, source: 'builtin' as const, createdAt: 0, updatedAt: 0 }],
    ),
  );
  for (const line of lines) {
    const match = scratch.match(org, line);
    if (match === undefined) continue;
    const k = match.templateId - 1;
    counts[k] = (counts[k] ?? 0) + 1;
    const seen = match.variables.map((value) => shapeOf(value));
    const before = shapes[k];
    shapes[k] = before === undefined ? seen : before.map((shape, v) => widen(shape, seen[v] ?? shape));
  }
  return { shapes, lines: counts };
}

/**
 * The shapes a refined template inherits from the text it replaces: the old text is matched as
 * a line against the new one, and each new variable takes what it covers there: an old variable
 * its shape, a literal that became a variable the shape of that literal. Undefined when the old
 * template had no shapes (it stays unconstrained) or the new text does not cover the old.
 */
export function carryShapes(
  org: string,
  oldText: string,
  oldShapes: readonly VariableShape[] | undefined,
  newText: string,
): VariableShape[] | undefined {
  if (oldShapes === undefined) return undefined;
  if (oldText === newText) return [...oldShapes];
  const scratch = MatcherSnapshot.empty().withChanges([
    { id: 1, org, text: newText, source: 'builtin', createdAt: 0, updatedAt: 0 },
  ]);
  const match = scratch.match(org, oldText);
  if (match === undefined) return undefined;
  // Where each new variable's text sits in the old text, to count the old variables before it.
  const carried: VariableShape[] = [];
  let searchFrom = 0;
  for (const value of match.variables) {
    const at = oldText.indexOf(value, searchFrom);
    const offset = at < 0 ? searchFrom : at;
    searchFrom = offset + value.length;
    carried.push(coveredShape(oldText, offset, value, oldShapes));
  }
  return carried;
}

function coveredShape(
  oldText: string,
  offset: number,
  value: string,
  oldShapes: readonly VariableShape[],
): VariableShape {
  if (!value.includes(WILDCARD)) return shapeOf(value);
  let index = countWildcards(oldText, 0, offset);
  if (value === WILDCARD) return oldShapes[index] ?? ONE_TOKEN;
  // Old variables and literals together: generous bounds (the sum of the parts' widest).
  let minTokens = Number.MAX_SAFE_INTEGER;
  let maxTokens = tokensIn(value, 0, value.length);
  let kinds = 0;
  const parts = value.split(WILDCARD);
  for (const [k, literal] of parts.entries()) {
    kinds |= kindOf(literal, 0, literal.length);
    if (k === parts.length - 1) break;
    const shape = oldShapes[index++] ?? ONE_TOKEN;
    minTokens = Math.min(minTokens, shape.minTokens);
    maxTokens += shape.maxTokens;
    kinds |= shape.kinds;
  }
  return { minTokens: Math.min(minTokens, maxTokens), maxTokens, kinds };
}

function countWildcards(text: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf(WILDCARD, from); at >= 0 && at < to; at = text.indexOf(WILDCARD, at + 1))
    count++;
  return count;
}

/** Each variable widened by the other list's (either may lack it); undefined only when both are. */
export function unionShapes(
  a: readonly VariableShape[] | undefined,
  b: readonly VariableShape[] | undefined,
): VariableShape[] | undefined {
  if (a === undefined) return b === undefined ? undefined : [...b];
  if (b === undefined) return [...a];
  const length = Math.max(a.length, b.length);
  const out: VariableShape[] = [];
  for (let k = 0; k < length; k++) {
    const left = a[k];
    const right = b[k];
    out.push(left === undefined ? (right ?? ONE_TOKEN) : right === undefined ? left : widen(left, right));
  }
  return out;
}

/** Shapes for a text with `count` variables: what was seen, ONE_TOKEN where nothing was. */
export function completeShapes(shapes: readonly VariableShape[] | undefined, count: number): VariableShape[] {
  const out: VariableShape[] = [];
  for (let k = 0; k < count; k++) out.push(shapes?.[k] ?? ONE_TOKEN);
  return out;
}

export function variableCount(text: string): number {
  return countWildcards(text, 0, text.length);
}
