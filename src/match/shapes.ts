import { isWhitespace } from './tokenize.ts';

/**
 * What one variable (`<*>`) of a template was seen to stand for in the lines it was made and
 * widened from: how many whitespace tokens its text spanned, and which kinds of characters
 * made it up. A template matches a line only where each variable's text fits its shape, so
 * `ERROR <*>` made from `ERROR 1` takes `ERROR 2` but not `ERROR disk full on /dev/sda` (three
 * tokens more) nor `ERROR timeout` (letters where a number was): one short line can no longer
 * swallow an org's vocabulary through a lone `<*>`, which otherwise takes any number of tokens
 * of any kind (a list of values of the one kind a variable has shown is allowed: isListOf).
 * A line that does not fit goes to the generator, which either makes its own
 * template or, when it finds the line belongs to the template after all (the miner's cluster
 * took it, a model proposed the same text), widens the shape: the bound is learned from lines,
 * never guessed.
 */
export interface VariableShape {
  /** Fewest and most whitespace tokens the variable's text spanned; 0 for an empty text. */
  readonly minTokens: number;
  readonly maxTokens: number;
  /** KIND_* bits of the texts seen. */
  readonly kinds: number;
}

/** Digits and no letter (`42`, `10.0.0.1`, `12:30:01`, `-3`). */
export const KIND_DIGITS = 1;
/** Letters and no digit (`timeout`, `root`, `/var/log`). */
export const KIND_LETTERS = 2;
/** Letters and digits (`blk_38`, `u1`, `0x1f`, a UUID). */
export const KIND_MIXED = 4;
/** Neither (`-`, `...`); an empty text has no kind, only minTokens 0. */
export const KIND_SYMBOLS = 8;
export const ALL_KINDS = KIND_DIGITS | KIND_LETTERS | KIND_MIXED | KIND_SYMBOLS;

/** The kind of `text.slice(start, end)`: one scan of char codes, no allocation. */
export function kindOf(text: string, start: number, end: number): number {
  let digits = false;
  let letters = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits = true;
    else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code > 127) letters = true;
    else continue;
    if (digits && letters) return KIND_MIXED;
  }
  if (digits) return KIND_DIGITS;
  if (letters) return KIND_LETTERS;
  return end > start ? KIND_SYMBOLS : 0;
}

/** Whitespace tokens in `text.slice(start, end)` (the tokenizer's rule; 0 when empty). */
export function tokensIn(text: string, start: number, end: number): number {
  let count = 0;
  let inToken = false;
  for (let i = start; i < end; i++) {
    const space = isWhitespace(text.charCodeAt(i));
    if (!space && !inToken) count++;
    inToken = !space;
  }
  return count;
}

/** The shape of one variable text. */
export function shapeOf(text: string, start = 0, end = text.length): VariableShape {
  const tokens = tokensIn(text, start, end);
  return { minTokens: tokens, maxTokens: tokens, kinds: kindOf(text, start, end) };
}

export function widen(a: VariableShape, b: VariableShape): VariableShape {
  return {
    minTokens: Math.min(a.minTokens, b.minTokens),
    maxTokens: Math.max(a.maxTokens, b.maxTokens),
    kinds: a.kinds | b.kinds,
  };
}

export function sameShapes(
  a: readonly VariableShape[] | undefined,
  b: readonly VariableShape[] | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.length === b.length &&
    a.every((s, k) => {
      const t = b[k];
      return (
        t !== undefined && s.minTokens === t.minTokens && s.maxTokens === t.maxTokens && s.kinds === t.kinds
      );
    })
  );
}

/**
 * Whether each variable's text (offsets in `message`) fits its shape. Called by the search at
 * a template's end, only for templates that have shapes: a token count and a kind per variable.
 */
export function fitsShapes(
  shapes: readonly VariableShape[],
  message: string,
  starts: Int32Array,
  ends: Int32Array,
  count: number,
): boolean {
  if (shapes.length !== count) return false;
  for (let k = 0; k < count; k++) {
    const shape = shapes[k];
    if (shape === undefined || !fitsShape(shape, message, starts[k] ?? 0, ends[k] ?? 0)) return false;
  }
  return true;
}

/** Whether one variable's text fits its shape: one pass for its tokens and kind together (this runs per matched line). */
export function fitsShape(shape: VariableShape, text: string, start: number, end: number): boolean {
  let tokens = 0;
  let inToken = false;
  let digits = false;
  let letters = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 32 || (code >= 9 && code <= 13)) {
      inToken = false;
      continue;
    }
    if (!inToken) {
      inToken = true;
      tokens++;
    }
    if (code >= 48 && code <= 57) digits = true;
    else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code > 127) letters = true;
  }
  if (tokens < shape.minTokens) return false;
  if (tokens > shape.maxTokens) return isListOf(shape.kinds, text, start, end);
  const kind = digits
    ? letters
      ? KIND_MIXED
      : KIND_DIGITS
    : letters
      ? KIND_LETTERS
      : end > start
        ? KIND_SYMBOLS
        : 0;
  return kind === 0 || (shape.kinds & kind) !== 0;
}

/**
 * A variable only ever seen as values of one kind (all numbers, all ids) may span more tokens
 * than seen when each is a value of that kind: a list of block ids or numbers is still that
 * variable (Drain's "values of variable length" split one event into a template per length).
 * A variable seen with words and numbers may not: that is how a short line swallows others.
 */
function isListOf(kinds: number, text: string, start: number, end: number): boolean {
  if (kinds === 0 || (kinds & (kinds - 1)) !== 0) return false;
  let i = start;
  while (i < end) {
    while (i < end && isWhitespace(text.charCodeAt(i))) i++;
    if (i === end) break;
    const tokenStart = i;
    while (i < end && !isWhitespace(text.charCodeAt(i))) i++;
    if (kindOf(text, tokenStart, i) !== kinds) return false;
  }
  return true;
}

/**
 * Stored with the template (column `shapes`, Avro field `shapes`): `min-max/kinds` per
 * variable, space separated, e.g. `1-1/1 1-3/6`. Empty: no shapes (a template from before
 * shapes existed, or one written by hand), which matches as every template once did.
 */
export function encodeShapes(shapes: readonly VariableShape[] | undefined): string {
  if (shapes === undefined) return '';
  return shapes.map((s) => `${s.minTokens}-${s.maxTokens}/${s.kinds}`).join(' ');
}

const SHAPE = /^(\d{1,4})-(\d{1,4})\/(\d{1,2})$/;

/** The shapes of an encoded string; undefined for '' or anything malformed (then unconstrained). */
export function parseShapes(text: string | undefined): VariableShape[] | undefined {
  if (text === undefined || text === '') return undefined;
  const shapes: VariableShape[] = [];
  for (const part of text.split(' ')) {
    const match = SHAPE.exec(part);
    if (match === null) return undefined;
    const minTokens = Number(match[1]);
    const maxTokens = Number(match[2]);
    const kinds = Number(match[3]);
    if (minTokens > maxTokens || kinds > ALL_KINDS) return undefined;
    shapes.push({ minTokens, maxTokens, kinds });
  }
  return shapes;
}
