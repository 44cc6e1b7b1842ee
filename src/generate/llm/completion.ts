/** One request to a chat model: instructions in `system`, the data (log lines as JSON) in `user`. */
export interface Prompt {
  system: string;
  user: string;
  /** JSON schema of the answer, for providers with structured output. */
  schema: Record<string, unknown>;
}

export interface Completion {
  text: string;
  /** Prompt and completion tokens as the server counted them (0 when it did not say). */
  tokensIn: number;
  tokensOut: number;
}

/**
 * What a provider adapter offers the generator: one attempt, no retries of its own, failing
 * with an LlmError that says whether another attempt makes sense. Nothing SDK-specific
 * crosses this line.
 */
export type Complete = (prompt: Prompt, signal?: AbortSignal) => Promise<Completion>;
