import type { LogRecord, StoredLog } from '../model/log.ts';
import { newTemplateId, type Template } from '../model/template.ts';
import type { TemplateChange } from '../model/template-change.ts';
import type { UntemplatedReason } from '../model/untemplated.ts';
import { Matcher, MatcherSnapshot, type TemplateRef } from '../match/index.ts';
import { toStoredLog } from '../match/stage.ts';
import { OrgTally } from '../quota/org-tally.ts';
import type { Channel } from '../transport/types.ts';
import { hasConstantText } from './checks.ts';
import type { GenerateStats } from './counters.ts';
import type { ProposedTemplate, TemplateGenerator } from './generator.ts';
import { mergeTemplates } from './merge.ts';
import { vouchedWidenings } from './vouched.ts';
import { carryShapes, completeShapes, observeShapes, unionShapes, variableCount } from './learn-shapes.ts';
import { encodeShapes, parseShapes, type VariableShape } from '../match/shapes.ts';

/** A widening is "broad" (counted, logged) when it takes over half of a batch of at least this many lines. */
const BROAD_BATCH_LINES = 20;

/** What the registry reports when a known template is widened over most of a batch (see widenInto). */
export interface BroadWidening {
  org: string;
  id: number;
  text: string;
  taken: number;
  batchLines: number;
}

/** Why a proposed template was refused (each counted in /stats, each logged). */
export type RejectReason = 'no_constant_text' | 'template_cap';

/** What the registry reports when it refuses a proposal: its lines go on without a template if none comes. */
export interface Rejection {
  org: string;
  reason: RejectReason;
}

/** A held log as the registry sees it: the queue's items carry more (their attempts). */
export interface HeldLine {
  readonly log: LogRecord;
}

export interface RegistryDeps {
  initial: readonly Template[];
  /** Its source names the templates it proposes; it is seeded with templates made elsewhere. */
  generator: Pick<TemplateGenerator, 'source' | 'seed'>;
  /** Where accepted templates are published (the matchers follow it). */
  templates: Channel<TemplateChange>;
  /** Persists new and refined templates (see GenerateDeps.saveTemplates). */
  saveTemplates?: ((templates: Template[]) => void) | undefined;
  /** Told of each template new to its org, after it is published (see GenerateDeps). */
  onCreated?: ((templates: Template[]) => void) | undefined;
  /** See GenerateConfig.maxTemplatesPerOrg. */
  maxTemplatesPerOrg: number;
  /** The stage's counters: templates made, merged, rejected; lines matched or stored without one. */
  stats: GenerateStats;
  now: () => number;
  /** Told of each refused proposal (the stage logs it). */
  onRejected?: ((event: Rejection) => void) | undefined;
  /** Told of each broad widening (the stage logs it). */
  onBroadWidening?: ((event: BroadWidening) => void) | undefined;
}

/**
 * The generate stage's own templates (a Matcher): it takes in what the generator proposes,
 * after the checks, and re-matches held logs with it, so the stage never reaches into the
 * match stage (in Kafka mode that is another process).
 */
export class TemplateRegistry {
  private readonly deps: RegistryDeps;
  private readonly matcher: Matcher;
  /** Per org, template text → id: a proposal identical to a known template is not added twice. */
  private readonly idsByText = new Map<string, Map<string, number>>();
  private readonly templateCap = new OrgTally();
  private readonly created = new OrgTally();

  constructor(deps: RegistryDeps) {
    this.deps = deps;
    this.matcher = new Matcher(MatcherSnapshot.empty().withChanges([...deps.initial]));
    for (const template of deps.initial) this.textIndex(template.org).set(template.text, template.id);
  }

  /**
   * Takes in templates made or deleted elsewhere (other generator processes, in Kafka mode).
   * A change the stage made itself finds its template already known and is skipped.
   */
  follow(changes: readonly TemplateChange[]): void {
    const upserts: Template[] = [];
    const deletes: TemplateRef[] = [];
    for (const change of changes) {
      if (change.kind === 'upsert') {
        const { org, id, text } = change.template;
        const known = this.matcher.current.get(org, id);
        if (known?.text === text && (known.shapes ?? '') === (change.template.shapes ?? '')) continue;
        if (known !== undefined) this.textIndex(org).delete(known.text);
        // A template added by hand (curation) is new to its org like a learned one.
        else if (change.template.source === 'manual') this.created.add(org, 1);
        this.textIndex(org).set(text, id);
        upserts.push(change.template);
      } else if (change.kind === 'delete') {
        // (A curation is the matchers' and the reads' business: what a template matches is the same.)
        const known = this.matcher.current.get(change.org, change.id);
        if (known === undefined) continue;
        this.textIndex(change.org).delete(known.text);
        deletes.push({ org: change.org, id: change.id });
      }
    }
    if (upserts.length > 0 || deletes.length > 0) this.matcher.apply(upserts, deletes);
    if (upserts.length > 0) this.deps.generator.seed(upserts);
  }

  /**
   * Checks the generator's proposals for `org`, takes in those that pass, publishes and saves
   * them. `lines` are the batch's lines: each template's variable shapes are learned from the
   * lines it takes (learn-shapes.ts), and a known template proposed again for lines it did not
   * fit is widened to fit them.
   */
  accept(org: string, proposals: readonly ProposedTemplate[], lines: readonly string[] = []): void {
    const { stats } = this.deps;
    const current = this.matcher.current;
    const upserts: Template[] = [];
    const at = this.deps.now();
    const texts = this.textIndex(org);
    // Only proposals that pass the checks enter the scratch trie (one too long would overflow it).
    const observed = observeShapes(
      org,
      proposals.map((p) => (hasConstantText(p.text) ? p.text : undefined)),
      lines,
    );
    for (const [k, proposal] of proposals.entries()) {
      if (!hasConstantText(proposal.text)) {
        this.reject(org, 'no_constant_text');
        continue;
      }
      const seen = observed.shapes[k];
      const existing = proposal.id === undefined ? undefined : current.get(org, proposal.id);
      const sameText = texts.get(proposal.text);
      if (existing !== undefined && existing.text === proposal.text) {
        this.widenInto(existing, seen, observed.lines[k] ?? 0, lines.length, upserts, at);
        continue;
      }
      if (sameText !== undefined && sameText !== proposal.id) {
        const known = upserts.find((t) => t.id === sameText) ?? current.get(org, sameText);
        if (known !== undefined)
          this.widenInto(known, seen, observed.lines[k] ?? 0, lines.length, upserts, at);
        continue;
      }
      // A model's answer for lines a known template's shapes refused, holding the refused
      // values as variables, widens that template instead (vouched.ts).
      if (proposal.id === undefined && this.widenVouched(org, proposal.text, lines, upserts, at)) continue;
      if (existing === undefined && current.countFor(org) + upserts.length >= this.deps.maxTemplatesPerOrg) {
        this.reject(org, 'template_cap');
        continue;
      }
      // A model's template that differs from a known one only where one of them has a
      // variable refines that template instead of splitting its event in two. (The miner
      // proposes under its own cluster ids and generalises its clusters itself.)
      if (proposal.id === undefined && this.mergeInto(org, proposal.text, seen, upserts, at)) continue;
      if (existing !== undefined) texts.delete(existing.text);
      const id = proposal.id ?? newTemplateId();
      texts.set(proposal.text, id);
      const carried =
        existing === undefined
          ? undefined
          : carryShapes(org, existing.text, parseShapes(existing.shapes), proposal.text);
      // A template that had no shapes (made before them, or by hand) stays unconstrained.
      const unconstrained = existing !== undefined && parseShapes(existing.shapes) === undefined;
      upserts.push({
        id,
        org,
        text: proposal.text,
        source: proposal.source ?? this.deps.generator.source,
        ...(unconstrained
          ? {}
          : {
              shapes: encodeShapes(completeShapes(unionShapes(carried, seen), variableCount(proposal.text))),
            }),
        createdAt: existing?.createdAt ?? at,
        updatedAt: at,
      });
      if (existing === undefined) {
        stats.templatesCreated++;
        this.created.add(org, 1);
      } else stats.templatesUpdated++;
    }
    if (upserts.length > 0) {
      this.matcher.apply(upserts);
      void this.deps.templates.publish(upserts.map((template) => ({ kind: 'upsert', template })));
      this.deps.saveTemplates?.(upserts);
      // The generator learns the org's templates as the stage has them: an LLM generator's
      // miner fallback then puts a line the model failed on in the template it belongs to
      // (widening it, as the built-in generator does its own) instead of a new one beside it.
      this.deps.generator.seed(upserts);
      const created = upserts.filter((t) => t.createdAt === at);
      if (created.length > 0) this.deps.onCreated?.(created);
    }
  }

  /**
   * A known template proposed again for lines: its shapes widened by what those lines' variables
   * were (an update when that changes them). A widening that takes most of a batch of distinct
   * unmatched lines is what template poisoning looks like, and counted and logged as such.
   */
  private widenInto(
    known: Template,
    seen: readonly VariableShape[] | undefined,
    taken: number,
    batchLines: number,
    upserts: Template[],
    at: number,
  ): void {
    const before = parseShapes(known.shapes);
    if (before === undefined || seen === undefined) return;
    const shapes = encodeShapes(unionShapes(before, seen));
    if (shapes === known.shapes) return;
    const { stats } = this.deps;
    stats.templatesWidened++;
    if (batchLines >= BROAD_BATCH_LINES && taken * 2 > batchLines) {
      stats.broadWidenings++;
      this.deps.onBroadWidening?.({ org: known.org, id: known.id, text: known.text, taken, batchLines });
    }
    const widened = { ...known, shapes, updatedAt: at };
    const pending = upserts.findIndex((t) => t.id === known.id);
    if (pending === -1) upserts.push(widened);
    else upserts[pending] = widened;
  }

  /**
   * Widens the known templates `text` vouches for (vouched.ts) when that covers every line it
   * takes: true when it did, and the proposal is not needed.
   */
  private widenVouched(
    org: string,
    text: string,
    lines: readonly string[],
    upserts: Template[],
    at: number,
  ): boolean {
    const current = this.matcher.current;
    const vouched = vouchedWidenings(org, current, text, lines);
    if (vouched.taken === 0 || vouched.unvouched > 0) return false;
    for (const [id, seen] of vouched.widen) {
      const known = upserts.find((t) => t.id === id) ?? current.get(org, id);
      if (known !== undefined) this.widenInto(known, seen.shapes, seen.lines, lines.length, upserts, at);
    }
    return true;
  }

  /**
   * Before a batch is handed to the generator: the logs a template made since they arrived
   * matches go on with it (never ask twice); at the org's cap the others go on without one.
   * What is left (`ask`) needs the generator.
   */
  triage<T extends HeldLine>(org: string, items: readonly T[]): { rows: StoredLog[]; ask: T[] } {
    const snapshot = this.matcher.current;
    const rows: StoredLog[] = [];
    const ask: T[] = [];
    for (const item of items) {
      const match = snapshot.match(org, item.log.message);
      if (match === undefined) ask.push(item);
      else rows.push(toStoredLog(item.log, match));
    }
    this.deps.stats.matchedAfterGeneration += rows.length;
    if (ask.length > 0 && this.atTemplateCap(org)) {
      // No new template could be taken for this org: asking would only spend generator time
      // (an LLM bill, for a flood of unique lines). The logs are stored now, without one.
      for (const item of ask) rows.push(toStoredLog(item.log, 'template_cap'));
      this.countTemplateCap(org, ask.length);
      return { rows, ask: [] };
    }
    return { rows, ask };
  }

  /**
   * After the generator answered: held logs a template now matches go on with it; the others
   * go on without one when `giveUp` says why, or come back (`retry`, when it says undefined) for
   * another attempt.
   */
  settle<T extends HeldLine>(
    org: string,
    items: readonly T[],
    giveUp: (item: T) => UntemplatedReason | undefined,
  ): { rows: StoredLog[]; retry: T[] } {
    const { stats } = this.deps;
    const snapshot = this.matcher.current;
    const rows: StoredLog[] = [];
    const retry: T[] = [];
    // At the cap another attempt could not add a template: what is unmatched now stays so.
    const capped = this.atTemplateCap(org);
    for (const item of items) {
      const match = snapshot.match(org, item.log.message);
      if (match !== undefined) {
        rows.push(toStoredLog(item.log, match));
        stats.matchedAfterGeneration++;
      } else if (capped) {
        rows.push(toStoredLog(item.log, 'template_cap'));
        this.countTemplateCap(org, 1);
      } else {
        const reason = giveUp(item);
        if (reason === undefined) {
          retry.push(item);
          continue;
        }
        rows.push(toStoredLog(item.log, reason));
        stats.storedWithoutTemplate++;
      }
    }
    return { rows, retry };
  }

  /** See Matcher.unloadIdleOrgs: the registry's tries of idle orgs are dropped too. */
  unloadIdleOrgs(idleSecs: number): () => void {
    return this.matcher.unloadIdleOrgs(idleSecs);
  }

  /** Lines stored without a template because of the cap, by org. */
  /** New templates per org since start (what the generator made; seeds are counted where they are followed). */
  templatesCreatedByOrg(): Record<string, number> {
    return this.created.byOrg();
  }

  templateCapByOrg(): Record<string, number> {
    return this.templateCap.byOrg();
  }

  /**
   * Merges `text` into the org's template (known, or made earlier in this call) that it
   * differs from only where one has a variable: true when it did (refining that template in
   * `upserts` if the merge changed its text).
   */
  private mergeInto(
    org: string,
    text: string,
    seen: readonly VariableShape[] | undefined,
    upserts: Template[],
    at: number,
  ): boolean {
    const merged = this.findMerge(org, text, upserts);
    if (merged === undefined) return false;
    const { stats } = this.deps;
    stats.templatesMerged++;
    const into = merged.into;
    const before = parseShapes(into.shapes);
    // The proposal's lines, seen against its own text, widen the merged template's shapes
    // where the two texts line up (a model's lines fit the merged text by construction).
    const carried = carryShapes(org, into.text, before, merged.text);
    const fromProposal = carryShapes(org, text, seen, merged.text);
    const shapes =
      before === undefined
        ? into.shapes
        : encodeShapes(completeShapes(unionShapes(carried, fromProposal), variableCount(merged.text)));
    if (merged.text === into.text && shapes === into.shapes) return true;
    const texts = this.textIndex(org);
    texts.delete(into.text);
    texts.set(merged.text, into.id);
    const refined = {
      ...into,
      text: merged.text,
      ...(shapes === undefined ? {} : { shapes }),
      updatedAt: at,
    };
    const pending = upserts.findIndex((t) => t.id === refined.id);
    if (pending === -1) {
      upserts.push(refined);
      stats.templatesUpdated++;
    } else {
      upserts[pending] = refined;
    }
    return true;
  }

  /** The org's template (known, or made earlier in this call) that `text` merges into, if any. */
  private findMerge(
    org: string,
    text: string,
    madeNow: readonly Template[],
  ): { into: Template; text: string } | undefined {
    const known = new Map(this.matcher.current.templatesOf(org).map((t) => [t.id, t]));
    for (const template of madeNow) known.set(template.id, template);
    for (const into of known.values()) {
      const merged = mergeTemplates(into.text, text);
      if (merged !== undefined) return { into, text: merged };
    }
    return undefined;
  }

  /** Counts and reports a refusal; the template's text is the org's data and is not logged. */
  private reject(org: string, reason: RejectReason): void {
    const { stats } = this.deps;
    stats.proposalsRejected++;
    if (reason === 'no_constant_text') stats.rejectedNoConstantText++;
    else stats.rejectedTemplateCap++;
    this.deps.onRejected?.({ org, reason });
  }

  private atTemplateCap(org: string): boolean {
    return this.matcher.current.countFor(org) >= this.deps.maxTemplatesPerOrg;
  }

  private countTemplateCap(org: string, lines: number): void {
    this.deps.stats.storedWithoutTemplate += lines;
    this.deps.stats.templateCapLines += lines;
    this.templateCap.add(org, lines);
  }

  private textIndex(org: string): Map<string, number> {
    let index = this.idsByText.get(org);
    if (index === undefined) this.idsByText.set(org, (index = new Map<string, number>()));
    return index;
  }
}
