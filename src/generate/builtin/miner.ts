import { newTemplateId, WILDCARD, type Template } from '../../model/template.ts';
import { tokenize } from '../../match/tokenize.ts';
import { pinsLines } from '../checks.ts';
import { generaliseToken } from './generalise.ts';
import { DEFAULT_CHOICES, type MinerChoices } from './choices.ts';
import { maskTokens } from './mask.ts';
import { outlineTokens } from './outline.ts';

/** The judgements (choices.ts, defaults there) and the bounds of a miner. */
export interface MinerOptions extends Partial<MinerChoices> {
  /** Clusters kept per org; beyond it the least recently used are forgotten. */
  maxClustersPerOrg?: number;
  /** Orgs kept; beyond it the least recently active org's clusters are forgotten. */
  maxOrgs?: number;
  /** Children per tree node before further distinct tokens share the `<*>` child (Drain's max_children). */
  maxChildren?: number;
}

export interface MinedTemplate {
  id: number;
  text: string;
  /** A new cluster (and id). */
  isNew: boolean;
  /** An existing cluster whose template this line generalised. */
  changed: boolean;
  /** Clusters folded into this one by this line (see foldSiblings): their ids are no longer mined. */
  absorbed?: number[];
}

interface Cluster {
  readonly id: number;
  tokens: string[];
  readonly leaf: Cluster[];
  /** Lines that joined it: how a position's values spread over the lines (see foldSiblings). */
  lines: number;
}

interface OrgState {
  /** Length -> first tokens -> ... -> clusters: Drain's fixed-depth tree. */
  readonly root: Map<number, TreeNode>;
  /** Insertion order is recency order: touched clusters are re-inserted at the end. */
  readonly clusters: Map<number, Cluster>;
  /**
   * Words the org's templates took as a variable's value when they were generalised
   * (`user=root`, `user=bob` -> `user=<*>`: `root`, `bob`), the most recent last (see foldSiblings).
   */
  readonly values: Set<string>;
}

interface TreeNode {
  readonly children: Map<string, TreeNode>;
  readonly clusters: Cluster[];
}

const DIGIT = /\d/;
/** Values remembered per org (see OrgState.values): enough for the words of many events' variables. */
const MAX_VALUES_PER_ORG = 1_000;
const WORD_CHAR = /[A-Za-z0-9]/;
/**
 * A word whose first letter is a capital: `Starting`, `SPP.`, `(LOOKING)`, not `root`,
 * `user=<*>`; nor a name with a digit (`Interconnect-0T01`, `u1`), which is a value.
 */
const CAPITALISED = /^[^A-Za-z0-9]*[A-Z][^0-9]*$/;

/**
 * An online log parser in the Drain family: lines are split into whitespace tokens (the
 * matcher's tokens), obvious variables are masked, and a line joins the most similar
 * cluster among those with its token count and first tokens, generalising that cluster's
 * template where they differ. A cluster keeps its id while its template is generalised.
 *
 * Memory is bounded: at most `maxClustersPerOrg` clusters per org (least recently used
 * forgotten first) and `maxOrgs` orgs. A forgotten cluster's template stays wherever it
 * was stored; the miner just no longer refines it.
 */
export class TemplateMiner {
  private readonly choices: MinerChoices;
  private readonly maxClustersPerOrg: number;
  private readonly maxOrgs: number;
  private readonly maxChildren: number;
  private readonly orgs = new Map<string, OrgState>();

  constructor(options: MinerOptions = {}) {
    const { maxClustersPerOrg, maxOrgs, maxChildren, ...choices } = options;
    this.choices = Object.freeze({ ...DEFAULT_CHOICES, ...choices });
    this.maxClustersPerOrg = maxClustersPerOrg ?? 5_000;
    this.maxOrgs = maxOrgs ?? 1_000;
    this.maxChildren = maxChildren ?? 100;
  }

  /** Known templates become clusters, so refinement continues from them with their ids. */
  seed(templates: readonly Template[]): void {
    for (const template of templates) {
      const tokens = tokenize(template.text);
      const state = this.stateOf(template.org);
      if (state.clusters.has(template.id)) continue;
      this.addCluster(state, template.id, tokens);
    }
  }

  add(org: string, message: string): MinedTemplate {
    const state = this.stateOf(org);
    const tokens = this.tokensOf(message);
    const leaf = this.leafFor(state, tokens);
    const best = this.mostSimilar(leaf, tokens);
    if (best !== undefined) {
      const generalised = best.tokens.map((token, k) => generaliseToken(token, tokens[k] ?? ''));
      if (pinsLines(generalised)) {
        this.noteValues(state, best.tokens, tokens, generalised);
        const changed = generalised.some((token, k) => token !== best.tokens[k]);
        best.tokens = generalised;
        best.lines++;
        this.touch(state, best);
        return { id: best.id, text: generalised.join(' '), isNew: false, changed };
      }
    }
    const folded = this.foldSiblings(state, leaf, tokens);
    if (folded !== undefined) return folded;
    const cluster = this.addCluster(state, newTemplateId(), tokens, leaf);
    return { id: cluster.id, text: tokens.join(' '), isNew: true, changed: false };
  }

  /**
   * The tokens a line is mined from: its outline (a multi-line message's indented runs as one
   * `<*>` each) with obvious variables masked; when that leaves nothing the generate stage's
   * check accepts (`{ <*> }`, `<*> <*>:<*>`), the whole message masked, then the outline and the
   * message as they are. A line with no letter or digit at all fails every form, and the stage
   * refuses it (counted, logged).
   */
  private tokensOf(message: string): string[] {
    const outline = outlineTokens(message);
    const masked = maskTokens(outline, this.choices);
    if (pinsLines(masked)) return masked;
    const plain = message.includes('\n') ? tokenize(message) : outline;
    const forms = [maskTokens(plain, this.choices), outline, plain];
    return forms.find((form) => pinsLines(form)) ?? masked;
  }

  /** Clusters held for an org (for tests and metrics). */
  clusterCount(org: string): number {
    return this.orgs.get(org)?.clusters.size ?? 0;
  }

  private stateOf(org: string): OrgState {
    let state = this.orgs.get(org);
    if (state !== undefined) {
      this.orgs.delete(org);
      this.orgs.set(org, state);
      return state;
    }
    state = { root: new Map(), clusters: new Map(), values: new Set() };
    this.orgs.set(org, state);
    if (this.orgs.size > this.maxOrgs) {
      const oldest = this.orgs.keys().next().value;
      if (oldest !== undefined) this.orgs.delete(oldest);
    }
    return state;
  }

  private keyOf(token: string): string {
    return token.includes(WILDCARD) || DIGIT.test(token) ? WILDCARD : token;
  }

  /** The tree leaf for these tokens, created on the way if missing. */
  private leafFor(state: OrgState, tokens: readonly string[]): Cluster[] {
    let node: TreeNode | undefined = state.root.get(tokens.length);
    if (node === undefined) {
      node = { children: new Map(), clusters: [] };
      state.root.set(tokens.length, node);
    }
    const depth = Math.min(this.choices.prefixTokens, tokens.length);
    for (let k = 0; k < depth; k++) {
      const key = this.keyOf(tokens[k] ?? '');
      let child: TreeNode | undefined = node.children.get(key);
      if (child === undefined) {
        // A full node sends further distinct tokens to its `<*>` child, as Drain does.
        const slot = node.children.size < this.maxChildren ? key : WILDCARD;
        child = node.children.get(slot);
        if (child === undefined) {
          child = { children: new Map(), clusters: [] };
          node.children.set(slot, child);
        }
      }
      node = child;
    }
    return node.clusters;
  }

  private mostSimilar(leaf: readonly Cluster[], tokens: readonly string[]): Cluster | undefined {
    let best: Cluster | undefined;
    let bestScore = -1;
    let bestWildcards = -1;
    for (const cluster of leaf) {
      // A template that already covers the line takes it, however many variables it has
      // (plain Drain would open a new cluster for a repeat of a variable-heavy line).
      if (covers(cluster.tokens, tokens)) return cluster;
      let same = 0;
      let wildcards = 0;
      let masks = 0;
      let wordingDiffers = false;
      let vetoed = false;
      for (let k = 0; k < tokens.length && !vetoed; k++) {
        const token = cluster.tokens[k] ?? '';
        const own = tokens[k] ?? '';
        if (token === WILDCARD) {
          // As in Drain, a position the template already generalised is no evidence of
          // likeness, unless the line has a masked variable there too (below).
          wildcards++;
          if (own === WILDCARD) masks++;
        } else if (token === own) {
          // `<*>,` in both is a masked variable with its punctuation, not an equal word.
          if (token.includes(WILDCARD) && !WORD_CHAR.test(token.replaceAll(WILDCARD, ''))) masks++;
          else same++;
        } else if (own !== WILDCARD) {
          // `tag="*launch*",` / `tag="handleAudioEvent",`: the same key with another value is a
          // variable with its name, as much evidence as a masked value in both.
          if (this.choices.keyCredit && sameKey(token, own)) masks++;
          if (this.choices.wordingGuard && (CAPITALISED.test(token) || CAPITALISED.test(own)))
            wordingDiffers = true;
          if (this.choices.wordingVeto && differsInWording(token, own)) vetoed = true;
        }
      }
      if (vetoed) continue;
      // A variable masked in both lines agrees in part (any two numbers look alike), so
      // `User u1 logged in from <*>` and `User u5 ... from <*>` merge; not where a
      // capitalised word differs (`Starting`/`Ending`): that is the message's own wording,
      // where a lower-case name (`root`, `u1`) is a value.
      if (!wordingDiffers) same += masks * this.choices.maskCredit;
      const score = tokens.length === 0 ? 1 : same / tokens.length;
      if (score > bestScore || (score === bestScore && wildcards > bestWildcards)) {
        best = cluster;
        bestScore = score;
        bestWildcards = wildcards;
      }
    }
    return bestScore >= this.choices.similarity ? best : undefined;
  }

  /**
   * A line no cluster is similar enough to, but that differs from clusters of its leaf in one
   * position only, a word in each (`Failed password for uucp ...` beside `... for root ...`),
   * neither of them wording (a capital and a lower-case letter: `Started`): that position is a
   * variable when the evidence says so, and the clusters are folded into the one with the most
   * lines, with `<*>` there, and the line joins it. The evidence: the position has taken `siblingValues` distinct words and they spread thinly
   * (fewer than two lines a word on average: a variable's values seldom repeat, a state's word
   * does, so `vm started` / `vm paused` logged again and again stay apart); or one of the words
   * is one the org's templates already took as a variable's value elsewhere (OrgState.values).
   */
  private foldSiblings(
    state: OrgState,
    leaf: readonly Cluster[],
    tokens: readonly string[],
  ): MinedTemplate | undefined {
    const needed = this.choices.siblingValues;
    if (needed < 2) return undefined;
    const byPosition = new Map<number, Cluster[]>();
    for (const cluster of leaf) {
      const at = this.soleDifference(cluster.tokens, tokens);
      if (at === undefined) continue;
      const list = byPosition.get(at);
      if (list === undefined) byPosition.set(at, [cluster]);
      else list.push(cluster);
    }
    for (const [at, siblings] of byPosition) {
      const values = new Set(siblings.map((cluster) => cluster.tokens[at] ?? ''));
      values.add(tokens[at] ?? '');
      // A word the org's other templates already took as a value is evidence enough.
      const known = [...values].some((value) => state.values.has(value));
      // Else many words, and few lines each: a variable's values seldom repeat, a state's word does.
      const lines = siblings.reduce((sum, cluster) => sum + cluster.lines, 1);
      // Names with a digit (`gige7`, `node-D3`) are values however often each recurs: a
      // host logs again and again, a state's word has no digit.
      const named = this.choices.digitValues && [...values].every((value) => DIGIT.test(value));
      if (!known && (values.size < needed || (values.size * 2 <= lines && !named))) continue;
      const survivor = siblings.reduce((a, b) => (b.lines > a.lines ? b : a));
      let merged = survivor.tokens.map((token, k) =>
        k === at ? WILDCARD : generaliseToken(token, tokens[k] ?? ''),
      );
      for (const sibling of siblings)
        merged = merged.map((token, k) => generaliseToken(token, sibling.tokens[k] ?? ''));
      if (!pinsLines(merged)) continue;
      survivor.tokens = merged;
      survivor.lines += 1;
      const absorbed: number[] = [];
      for (const sibling of siblings) {
        if (sibling === survivor) continue;
        survivor.lines += sibling.lines;
        absorbed.push(sibling.id);
        this.forget(state, sibling);
      }
      this.touch(state, survivor);
      return { id: survivor.id, text: merged.join(' '), isNew: false, changed: true, absorbed };
    }
    return undefined;
  }

  /**
   * The one position where the line differs from the template, when both are words there and
   * the template covers every other position (equal, or a variable that takes the line's
   * token). With `digitValues` a name with a digit counts as a word even when capitalised
   * (`Interconnect-0N01`): wording has no digits.
   */
  private soleDifference(template: readonly string[], tokens: readonly string[]): number | undefined {
    const fold = (token: string): boolean =>
      foldable(token) || (this.choices.digitValues && digitName(token));
    let at: number | undefined;
    for (let k = 0; k < tokens.length; k++) {
      const token = template[k] ?? '';
      const own = tokens[k] ?? '';
      if (token === own) continue;
      if (token.includes(WILDCARD) && generaliseToken(token, own) === token) continue;
      if (at !== undefined || !fold(token) || !fold(own)) return undefined;
      at = k;
    }
    return at;
  }

  /** Records the words a generalisation turned into a variable's value (bounded per org). */
  private noteValues(
    state: OrgState,
    before: readonly string[],
    tokens: readonly string[],
    after: readonly string[],
  ): void {
    for (let k = 0; k < after.length; k++) {
      const token = before[k] ?? '';
      const generalised = after[k] ?? '';
      if (token === generalised || token.includes(WILDCARD)) continue;
      const at = generalised.indexOf(WILDCARD);
      const tail = generalised.length - at - WILDCARD.length;
      for (const word of [token, tokens[k] ?? '']) {
        const value = word.slice(at, word.length - tail);
        if (!VALUE_WORD.test(value)) continue;
        state.values.delete(value);
        state.values.add(value);
        if (state.values.size > MAX_VALUES_PER_ORG) {
          const oldest = state.values.values().next().value;
          if (oldest !== undefined) state.values.delete(oldest);
        }
      }
    }
  }

  private addCluster(
    state: OrgState,
    id: number,
    tokens: string[],
    leaf = this.leafFor(state, tokens),
  ): Cluster {
    const cluster: Cluster = { id, tokens, leaf, lines: 1 };
    leaf.push(cluster);
    state.clusters.set(id, cluster);
    if (state.clusters.size > this.maxClustersPerOrg) {
      const oldest = state.clusters.values().next().value;
      if (oldest !== undefined) this.forget(state, oldest);
    }
    return cluster;
  }

  private touch(state: OrgState, cluster: Cluster): void {
    state.clusters.delete(cluster.id);
    state.clusters.set(cluster.id, cluster);
  }

  private forget(state: OrgState, cluster: Cluster): void {
    state.clusters.delete(cluster.id);
    const at = cluster.leaf.indexOf(cluster);
    if (at >= 0) cluster.leaf.splice(at, 1);
  }
}

const WORD = /[A-Za-z0-9_]/;
/** A capitalised word with a lower-case letter and no digit, punctuation at most around it: `NODEVssh`, `Started`. */
const WORDING = /^[^A-Za-z0-9]*[A-Z][A-Za-z]*[a-z][A-Za-z]*[^A-Za-z0-9]*$/;
/** A word all in capitals (`LOGIN`, `SOFTWARE`): a name or one of a set of values as often as wording. */
const CAPITALS = /^[^A-Za-z0-9]*[A-Z]+[^A-Za-z0-9]*$/;
const LETTER = /[A-Za-z]/;

/**
 * Whether two tokens differ in their wording: what is left of them once their common ends (up
 * to punctuation, as generaliseToken keeps them) are cut is a capitalised word in either
 * (`tty=NODEVssh` / `tty=:0`, `Started` / `Paused`), or a word in capitals that the other
 * lacks (`LOGIN(uid=<*>)` / `(uid=<*>)`). A word in capitals replaced by another
 * (`SOFTWARE,` / `SYSTEM,`) is a value.
 */
function differsInWording(a: string, b: string): boolean {
  let prefix = 0;
  const limit = Math.min(a.length, b.length);
  while (prefix < limit && a[prefix] === b[prefix]) prefix++;
  while (prefix > 0 && WORD.test(a[prefix - 1] ?? '')) prefix--;
  let suffix = 0;
  while (suffix < limit - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  while (suffix > 0 && WORD.test(a[a.length - suffix] ?? '')) suffix--;
  const coreA = a.slice(prefix, a.length - suffix);
  const coreB = b.slice(prefix, b.length - suffix);
  // Where the template already has a variable for the whole difference, it has seen values there.
  if (coreA === WILDCARD || coreB === WILDCARD) return false;
  if (WORDING.test(coreA) || WORDING.test(coreB)) return true;
  return (CAPITALS.test(coreA) && !LETTER.test(coreB)) || (CAPITALS.test(coreB) && !LETTER.test(coreA));
}

/**
 * A word remembered as a value: lower-case letters (digits and punctuation too), no capital and
 * no variable (`root`, `test9`; not `LOOKING`, which is as often a named state).
 */
const VALUE_WORD = /^[^A-Z<>]*[a-z][^A-Z<>]*$/;
/** A capital followed by a lower-case letter: a word of the message's wording (`Started`, `NODEVssh`). */
const WORDING_LETTERS = /[A-Z][a-z]/;
/**
 * A token that may be folded into a variable: letters or digits, no variable, and not wording
 * (`root`, `test9`, `SOFTWARE,`, `@0x214`; not `Started`, which the wording veto keeps apart).
 */
function foldable(token: string): boolean {
  return !token.includes(WILDCARD) && WORD_CHAR.test(token) && !WORDING_LETTERS.test(token);
}

/** A name with a digit (`gige7`, `Interconnect-0N01`): a value, however it is capitalised. */
function digitName(token: string): boolean {
  return DIGIT.test(token) && !token.includes(WILDCARD);
}

/** `key=value` or `key:value`: the key, with its sign. */
const KEY = /^([A-Za-z][A-Za-z0-9_.-]*[=:])./;

/** Whether two differing tokens are the same key with another value (`tag="a",` / `tag="b",`). */
function sameKey(a: string, b: string): boolean {
  const key = KEY.exec(a)?.[1];
  return key !== undefined && b.startsWith(key) && b.length > key.length;
}

function covers(template: readonly string[], tokens: readonly string[]): boolean {
  for (let k = 0; k < tokens.length; k++) {
    const token = template[k] ?? '';
    if (token === tokens[k] || token === WILDCARD) continue;
    if (!token.includes(WILDCARD) || generaliseToken(token, tokens[k] ?? '') !== token) return false;
  }
  return true;
}
