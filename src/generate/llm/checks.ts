import { MatcherSnapshot, tokenize } from '../../match/index.ts';
import { WILDCARD } from '../../model/template.ts';
import { hasConstantText, tooManyTokens } from '../checks.ts';

export type Rejection = 'too-many-tokens' | 'no-constant-text' | 'matches-no-line';

export interface CheckResult {
  /** Why the template cannot be used at all; undefined when it covers at least one line. */
  rejected: Rejection | undefined;
  /** Indexes (into the lines checked) the template matches and re-creates. */
  covered: number[];
  /** Indexes it does not: they are left for the fallback, never dropped. */
  uncovered: number[];
}

/**
 * Model output is untrusted (and can be steered by the log lines in the prompt): a template is
 * kept only if it has constant text that pins a line down (hasConstantText: not punctuation
 * only, not a letter inside `<*>e<*>`, not one word between lone `<*>`s), and only for the
 * lines it both matches (with the service's own matcher, which never compiles template text
 * into a regular expression) and re-creates from the variables the match gave.
 */
export function checkTemplate(org: string, template: string, lines: readonly string[]): CheckResult {
  const all = lines.map((_, index) => index);
  // Before anything builds a matcher of it: a very long template overflows the trie's recursion.
  if (tooManyTokens(template)) return { rejected: 'too-many-tokens', covered: [], uncovered: all };
  if (!hasConstantText(template)) return { rejected: 'no-constant-text', covered: [], uncovered: all };
  const snapshot = MatcherSnapshot.empty().withChanges([
    { id: 1, org, text: template, source: 'builtin', createdAt: 0, updatedAt: 0 },
  ]);
  const covered: number[] = [];
  const uncovered: number[] = [];
  lines.forEach((line, index) => {
    const match = snapshot.match(org, line);
    if (match !== undefined && recreates(template, match.variables, line)) covered.push(index);
    else uncovered.push(index);
  });
  return { rejected: covered.length === 0 ? 'matches-no-line' : undefined, covered, uncovered };
}

/** Puts each variable, in order, where its `<*>` stands and compares with the line, whitespace normalised. */
export function recreates(template: string, variables: readonly string[], line: string): boolean {
  const parts = template.split(WILDCARD);
  if (parts.length - 1 !== variables.length) return false;
  let text = parts[0] ?? '';
  for (let k = 0; k < variables.length; k++) text += (variables[k] ?? '') + (parts[k + 1] ?? '');
  return normalise(text) === normalise(line);
}

function normalise(text: string): string {
  return tokenize(text).join(' ');
}
