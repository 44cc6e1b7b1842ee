export { Matcher } from './matcher.ts';
export { lastMatchSteps, MatcherSnapshot, type TemplateRef } from './snapshot.ts';
export { MAX_STEPS } from './search.ts';
export { isWhitespace, tokenize, TokenBounds } from './tokenize.ts';
