import { WILDCARD } from '../model/template.ts';

/**
 * A template with no constant text (only wildcards, punctuation and spaces) would match
 * almost any line of the same shape and hide every distinct event behind it.
 */
export function hasConstantText(template: string): boolean {
  return /[\p{L}\p{N}]/u.test(template.split(WILDCARD).join(''));
}
