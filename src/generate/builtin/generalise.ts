import { WILDCARD } from '../../model/template.ts';

function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
  );
}

/**
 * The most specific token that covers both tokens (a template token and a masked line
 * token): equal tokens stay, otherwise the common prefix and suffix are kept where they
 * end at punctuation (`user=root`, `user=guest` -> `user=<*>`; `node-D7`, `node-D0` ->
 * `node-<*>`) and the rest becomes `<*>`. Whatever either token matched, the result matches.
 */
export function generaliseToken(a: string, b: string): string {
  if (a === b) return a;
  if (a === WILDCARD || b === WILDCARD) return WILDCARD;
  const aFirst = a.indexOf(WILDCARD);
  const bFirst = b.indexOf(WILDCARD);
  const aHead = aFirst < 0 ? a : a.slice(0, aFirst);
  const bHead = bFirst < 0 ? b : b.slice(0, bFirst);
  const aLast = a.lastIndexOf(WILDCARD);
  const bLast = b.lastIndexOf(WILDCARD);
  const aTail = aLast < 0 ? a : a.slice(aLast + WILDCARD.length);
  const bTail = bLast < 0 ? b : b.slice(bLast + WILDCARD.length);

  let prefix = 0;
  const headLimit = Math.min(aHead.length, bHead.length);
  while (prefix < headLimit && aHead.charCodeAt(prefix) === bHead.charCodeAt(prefix)) prefix++;
  while (prefix > 0 && isWordChar(aHead.charCodeAt(prefix - 1))) prefix--;

  let suffix = 0;
  const tailLimit = Math.min(aTail.length, bTail.length);
  while (
    suffix < tailLimit &&
    aTail.charCodeAt(aTail.length - 1 - suffix) === bTail.charCodeAt(bTail.length - 1 - suffix)
  ) {
    suffix++;
  }
  while (suffix > 0 && isWordChar(aTail.charCodeAt(aTail.length - suffix))) suffix--;

  // A token without `<*>` must still be long enough for prefix and suffix not to overlap.
  const room = Math.min(aFirst < 0 ? a.length : Infinity, bFirst < 0 ? b.length : Infinity);
  if (prefix + suffix > room) suffix = 0;
  return aHead.slice(0, prefix) + WILDCARD + aTail.slice(aTail.length - suffix);
}
