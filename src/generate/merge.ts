import { tokenize } from '../match/index.ts';
import { WILDCARD } from '../model/template.ts';
import { hasConstantText } from './checks.ts';

/**
 * The template covering both `a` and `b` when they differ only where one of them has a
 * variable (`user <*> logged in from web` and `user bob logged in from <*>` give
 * `user <*> logged in from <*>`); undefined when they differ anywhere else, or when the
 * merge would leave no constant text. Adding both instead would split one event in two.
 */
export function mergeTemplates(a: string, b: string): string | undefined {
  const left = tokenize(a);
  const right = tokenize(b);
  if (left.length !== right.length) return undefined;
  const merged: string[] = [];
  for (let i = 0; i < left.length; i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) merged.push(x);
    else if (x === WILDCARD || y === WILDCARD) merged.push(WILDCARD);
    else return undefined;
  }
  const text = merged.join(' ');
  return hasConstantText(text) ? text : undefined;
}
