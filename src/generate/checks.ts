import { tokenize } from '../match/tokenize.ts';
import { MAX_TEMPLATE_TOKENS, WILDCARD } from '../model/template.ts';

export { MAX_TEMPLATE_TOKENS } from '../model/template.ts';

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** A template longer than the matcher can safely hold (MAX_TEMPLATE_TOKENS). */
export function tooManyTokens(template: string): boolean {
  return tokenize(template).length > MAX_TEMPLATE_TOKENS;
}

/**
 * A template must have constant text that pins a line down, or it matches almost any line and
 * hides every distinct event behind it. Model output can be steered by the log lines in its
 * prompt (prompt injection), so this is checked, never trusted. Counted: letters or digits in
 * a token without `<*>`, or before the first `<*>` of a token (`blk_<*>`, `uid=<*>`), which a
 * line must have at the start of a token. Refused, with what each matches of the LogHub-2k
 * lines (docs/accuracy.md, "Model output checks and prompt injection"):
 *
 * - punctuation and spaces only: `<*>: <*>` 28% of all lines (75% of Windows'),
 *   `<*> <*>:<*> <*>` 39%;
 * - letters or digits only after a `<*>` in their token: `<*> <*>e<*> <*>` (a line with an `e`
 *   in some token) 94%; it passed when a letter anywhere was enough;
 * - one such token in a template floating at both ends (first and last token a lone `<*>`,
 *   which takes any number of tokens), a search for one word anywhere: `<*> in <*> <*>` 69% of
 *   Apache's lines, `<*> block <*> <*>` 62% of HDFS'. It needs two.
 *
 * A word between punctuation after a `<*>` does pin its token (`<*>|Step_LSC|<*>`: a header glued
 * to the message by `|`); a letter against a `<*>` does not.
 *
 * Every LogHub-2k ground-truth template with a letter or a digit passes (the floating ones have
 * three or more such tokens); the built-in miner's and the oracle's accuracy did not change.
 */
export function hasConstantText(template: string): boolean {
  return pinsLines(tokenize(template));
}

/** hasConstantText on a template's tokens (the built-in miner checks its own before proposing). */
export function pinsLines(tokens: readonly string[]): boolean {
  // Not about constant text, but the generate stage and the merge check templates with this
  // function only: a template the matcher cannot hold is refused here too (see tooManyTokens).
  if (tokens.length > MAX_TEMPLATE_TOKENS) return false;
  let pinned = 0;
  for (const token of tokens) if (pins(token)) pinned++;
  const floating = tokens.length > 1 && tokens[0] === WILDCARD && tokens.at(-1) === WILDCARD;
  return pinned >= (floating ? 2 : 1);
}

/**
 * A word of two or more letters or digits with punctuation (or the token's end) on both sides,
 * not touching a `<*>`: `<*>|Step_LSC|<*>`, `<*>.log`. A line must have that word, delimited,
 * in that token; a letter run against a `<*>` (`<*>e<*>`, `<*>s`) pins nothing.
 */
const BOUNDED_WORD = /[^\p{L}\p{N}\0][\p{L}\p{N}_]{2,}(?=[^\p{L}\p{N}\0]|$)/u;

function pins(token: string): boolean {
  const wildcard = token.indexOf(WILDCARD);
  if (wildcard < 0) return LETTER_OR_DIGIT.test(token);
  if (LETTER_OR_DIGIT.test(token.slice(0, wildcard))) return true;
  return BOUNDED_WORD.test(token.slice(wildcard).replaceAll(WILDCARD, '\0'));
}
