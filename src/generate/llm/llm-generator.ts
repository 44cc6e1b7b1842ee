import type { Logger } from '../../logger.ts';
import { MatcherSnapshot } from '../../match/index.ts';
import type { Template, TemplateSource } from '../../model/template.ts';
import { OrgTally } from '../../quota/org-tally.ts';
import { TokenBuckets } from '../../quota/token-buckets.ts';
import { BuiltinGenerator } from '../builtin/index.ts';
import type { ProposedTemplate, TemplateGenerator } from '../generator.ts';
import { checkTemplate } from './checks.ts';
import type { Complete } from './completion.ts';
import { LLM_COUNTERS, type LlmStats } from './counters.ts';
import { zeroStats } from '../../counters.ts';
import { LlmError } from './errors.ts';
import { groupLines } from './group.ts';
import { parseTemplates } from './parse.ts';
import { buildPrompt, pickDiverse } from './prompt.ts';
import { sleep, withRetries, type RetryDeps, type RetryPolicy } from './retry.ts';

export type { LlmStats } from './counters.ts';

export interface LlmGeneratorOptions {
  source: Extract<TemplateSource, 'openai' | 'ollama'>;
  /** One attempt against the provider (see openai-client.ts, ollama-client.ts). */
  complete: Complete;
  batching: { maxLines: number; maxWaitMs: number };
  retry: RetryPolicy;
  /** Produces templates for what the model did not cover; a BuiltinGenerator by default. */
  fallback?: TemplateGenerator;
  /** Injected in unit tests to observe the schedule without waiting. */
  retryDeps?: Partial<RetryDeps>;
  /**
   * Calls one org may make per minute (LLM_MAX_CALLS_PER_ORG_PER_MIN), retries included; over
   * it the org's lines go to the miner, which costs no call. Absent: no budget.
   */
  maxCallsPerOrgPerMin?: number;
  /** The budget's clock (tests). */
  now?: () => number;
  logger?: Logger;
}

/**
 * Template generation by a chat model. A batch (one org) is split into groups of lines that
 * likely share a template; the model is asked once per group with a few diverse lines; its
 * answer is parsed and checked against the group, and the lines no checked template covers
 * (the model failed after every attempt, answered garbage, or gave a template that does not
 * fit) go to the built-in miner in the same call, so no line leaves without a proposal. The
 * miner is seeded with the org's templates, the model's included (see seed), so a line of a
 * known event that only its template's variable shapes refused is proposed under that template
 * (a widening) rather than as a one-line template beside it.
 * Groups are asked one after another: the stage already runs several batches at once
 * (LLM_MAX_CONCURRENT_BATCHES), and a later group may turn out to be covered by the
 * template an earlier one produced, which then saves a call.
 */
/**
 * Times the uncovered lines of a group are grouped and asked again in one call. Each round
 * needs the round before to have covered some lines, so the calls stay bounded by the groups.
 */
const MAX_REGROUP_ROUNDS = 2;

function groupsOf(org: string, lines: readonly string[]): string[][] {
  return groupLines(org, lines).map((group) => group.map((index) => lines[index] ?? ''));
}

export class LlmGenerator implements TemplateGenerator {
  readonly source: TemplateSource;
  readonly batching: { readonly maxLines: number; readonly maxWaitMs: number };
  private readonly complete: Complete;
  private readonly retry: RetryPolicy;
  private readonly retryDeps: RetryDeps;
  private readonly fallback: TemplateGenerator;
  private readonly logger: Logger | undefined;
  private readonly budget: TokenBuckets | undefined;
  private readonly overBudget = new OrgTally();
  private readonly counters: Omit<LlmStats, 'budgetByOrg'> = { ...zeroStats(LLM_COUNTERS) };

  constructor(options: LlmGeneratorOptions) {
    this.source = options.source;
    this.batching = Object.freeze({ ...options.batching });
    this.complete = options.complete;
    this.retry = options.retry;
    this.retryDeps = { sleep, random: Math.random, ...options.retryDeps };
    this.fallback = options.fallback ?? new BuiltinGenerator();
    this.logger = options.logger;
    const perMin = options.maxCallsPerOrgPerMin;
    this.budget = perMin === undefined ? undefined : new TokenBuckets(perMin / 60, perMin, options.now);
  }

  stats(): LlmStats {
    return { ...this.counters, budgetByOrg: this.overBudget.byOrg() };
  }

  seed(templates: readonly Template[]): void {
    this.fallback.seed(templates);
  }

  async generate(org: string, lines: readonly string[], signal?: AbortSignal): Promise<ProposedTemplate[]> {
    const proposals: ProposedTemplate[] = [];
    const leftover: string[] = [];
    // Templates accepted earlier in this call: lines they match need no question of their own.
    let accepted = MatcherSnapshot.empty();
    /** Every group asked in this call, by its lines: the same group is never asked twice. */
    const asked = new Set<string>();
    let groups = groupsOf(org, lines);
    for (let round = 0; groups.length > 0; round++) {
      // Lines of a group that its accepted templates did not cover: grouped again, without the
      // lines that misled the grouping, and asked again while that makes progress.
      const again: string[] = [];
      for (const group of groups) {
        signal?.throwIfAborted();
        const open = group.filter((line) => accepted.match(org, line) === undefined);
        if (open.length === 0) continue;
        const key = open.join('\n');
        if (asked.has(key)) {
          leftover.push(...open);
          continue;
        }
        asked.add(key);
        const templates = await this.ask(org, open, signal);
        let remaining = open;
        for (const template of templates ?? []) {
          if (remaining.length === 0) break;
          const result = checkTemplate(org, template, remaining);
          if (result.rejected !== undefined) {
            this.counters.proposalsRejected++;
            this.logger?.debug({ org, reason: result.rejected }, 'LLM template rejected');
            continue;
          }
          this.counters.proposalsAccepted++;
          proposals.push({ text: template });
          accepted = accepted.withChanges([
            { id: proposals.length, org, text: template, source: this.source, createdAt: 0, updatedAt: 0 },
          ]);
          remaining = result.uncovered.map((index) => remaining[index] ?? '');
        }
        const progressed = remaining.length < open.length;
        if (remaining.length > 0 && progressed && round < MAX_REGROUP_ROUNDS) {
          this.counters.regroupedLines += remaining.length;
          again.push(...remaining);
        } else {
          leftover.push(...remaining);
        }
      }
      groups = again.length === 0 ? [] : groupsOf(org, again);
    }
    if (leftover.length > 0) {
      this.counters.fallbacks++;
      this.counters.fallbackLines += leftover.length;
      const mined = await this.fallback.generate(org, leftover, signal);
      for (const proposal of mined) proposals.push({ ...proposal, source: this.fallback.source });
    }
    return proposals;
  }

  /** Takes one call from the org's budget; false when it is used up (there is always one without a budget). */
  private withinBudget(org: string): boolean {
    return this.budget === undefined || this.budget.take(org, 1) === 0;
  }

  /** The model's templates for one group, or undefined when every attempt failed or the budget is used up. */
  private async ask(
    org: string,
    group: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<string[] | undefined> {
    if (!this.withinBudget(org)) {
      this.counters.budgetLines += group.length;
      this.overBudget.add(org, group.length);
      this.logger?.debug(
        { org, lines: group.length },
        'LLM call budget used up; the miner takes these lines',
      );
      return undefined;
    }
    this.counters.groups++;
    this.counters.linesAsked += group.length;
    const prompt = buildPrompt(pickDiverse(group));
    try {
      return await withRetries(
        async (attempt) => {
          // The first attempt's call was counted above; a retry is a call of its own.
          if (attempt > 1 && !this.withinBudget(org)) {
            throw new LlmError('LLM_BUDGET_EXHAUSTED', `org ${org} has used its LLM calls for now`, {
              retryable: false,
            });
          }
          this.counters.calls++;
          const completion = await this.complete(prompt, signal);
          this.counters.tokensIn += completion.tokensIn;
          this.counters.tokensOut += completion.tokensOut;
          return parseTemplates(completion.text);
        },
        this.retry,
        this.retryDeps,
        signal,
        {
          onRetry: (attempt, error, delayMs) => {
            this.counters.retries++;
            this.logger?.debug({ org, attempt, code: codeOf(error), delayMs }, 'LLM call failed, retrying');
          },
        },
      );
    } catch (error) {
      if (signal?.aborted === true) throw error;
      if (error instanceof LlmError && error.code === 'LLM_BUDGET_EXHAUSTED') {
        this.counters.budgetLines += group.length;
        this.overBudget.add(org, group.length);
        return undefined;
      }
      this.counters.failures++;
      this.logger?.warn(
        { org, code: codeOf(error), lines: group.length },
        'LLM gave no template; the built-in miner takes these lines',
      );
      return undefined;
    }
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}
