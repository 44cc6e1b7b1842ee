/**
 * A template's text and a line's variables, as the parts the page draws: literal text, and the
 * `<*>` positions (numbered from 0, as GET /templates/{id} numbers them in `variables`).
 */

/** @typedef {{ text: string, position: number | null }} Part position null: literal text */

const WILDCARD = '<*>';

/**
 * `Disk <*> full` → literal "Disk ", variable 0, literal " full".
 * @param {string} template
 * @returns {Part[]}
 */
export function templateParts(template) {
  /** @type {Part[]} */
  const parts = [];
  template.split(WILDCARD).forEach((text, i) => {
    if (i > 0) parts.push({ text: WILDCARD, position: i - 1 });
    if (text !== '') parts.push({ text, position: null });
  });
  return parts;
}

/** Whitespace as the tokenizer reads it (src/match/tokenize.ts): space and TAB..CR. */
const SPACE = '[\\t-\\r ]';

/** @param {string} text as a regular expression matching it, any run of whitespace for any */
function pattern(text) {
  return text
    .split(/[\t-\r ]+/)
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join(`${SPACE}+`);
}

/**
 * A stored line cut into its template's literal text and its variables' values. The template
 * is matched on tokens, so the line may space its words differently: the literals match any
 * run of whitespace. When the line does not read as the template with these values (the
 * template was refined since the line was stored), the line is one literal part: nothing is
 * highlighted rather than the wrong thing.
 * @param {string} message
 * @param {string | null} template
 * @param {readonly string[]} variables
 * @returns {Part[]}
 */
export function lineParts(message, template, variables) {
  const whole = [{ text: message, position: null }];
  if (template === null) return whole;
  const literals = template.split(WILDCARD);
  if (literals.length !== variables.length + 1) return whole;
  let source = `^${SPACE}*`;
  literals.forEach((literal, i) => {
    source += pattern(literal);
    if (i < variables.length) source += `(${pattern(variables[i] ?? '')})`;
  });
  const match = new RegExp(`${source}${SPACE}*$`, 'd').exec(message);
  const indices = match?.indices;
  if (indices === undefined) return whole;
  /** @type {Part[]} */
  const parts = [];
  let at = 0;
  for (let i = 0; i < variables.length; i++) {
    const [start, end] = indices[i + 1] ?? [at, at];
    if (start > at) parts.push({ text: message.slice(at, start), position: null });
    parts.push({ text: message.slice(start, end), position: i });
    at = end;
  }
  if (at < message.length) parts.push({ text: message.slice(at), position: null });
  return parts;
}
