import { MAX_TEMPLATE_TOKENS } from './template.ts';

/**
 * Why a log is stored without a template (template id 0), kept with the row
 * (`untemplated_reason`) and shown per reason in GET /templates' id-0 entry: what to do about
 * such lines differs (raise TEMPLATES_MAX_PER_ORG, look at the generator's errors, split
 * over-long lines). Codes are stable; the texts are for people.
 */
export const UNTEMPLATED_REASONS = {
  over_token_limit: `more than ${MAX_TEMPLATE_TOKENS} whitespace-separated tokens, more than a template may have: stored at once, never sent to a generator`,
  template_cap: 'its org had TEMPLATES_MAX_PER_ORG templates, so no new one could be made for it',
  generator_failed: 'the generator failed on its batch (an error, or templates that could not be taken)',
  no_template_fit: 'the generator was asked for it and made no template that matches it',
  shutdown: 'the service stopped (SHUTDOWN_TIMEOUT_SECS) before a template came for it',
  replay_unmatched: '`npm run replay` matched it again and no template matched',
  unknown: 'stored before the reason was kept with each log (before this version)',
} as const;

export type UntemplatedCode = keyof typeof UNTEMPLATED_REASONS;

/** A reason the service gives a log now; `unknown` is only read back, for rows stored earlier. */
export type UntemplatedReason = Exclude<UntemplatedCode, 'unknown'>;

/** The stored value ('' for a row stored before the column existed, or with a template) as a code. */
export function untemplatedCode(stored: string): UntemplatedCode {
  return stored in UNTEMPLATED_REASONS ? (stored as UntemplatedCode) : 'unknown';
}
