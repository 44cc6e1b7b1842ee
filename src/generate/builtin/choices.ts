/**
 * Every choice of the built-in miner that is a judgement rather than a bound: its thresholds
 * and the rules that can be switched off. They are gathered here so that the accuracy
 * benchmark can vary them (`npm run bench:accuracy -- --leave-one-out` picks one setting on
 * eleven LogHub-2k systems, messages and whole lines both, and scores the twelfth with it;
 * `--choices` runs one setting) and so that none hides as a literal in the code. docs/accuracy.md says why each exists and what leave-one-out chose.
 */
export interface MinerChoices {
  /**
   * A line joins the most similar cluster of its length and prefix if at least this share of
   * its tokens equal the template's constant tokens (0..1).
   */
  readonly similarity: number;
  /** Leading tokens used to narrow the search (Drain's depth minus two). */
  readonly prefixTokens: number;
  /**
   * What a variable masked in both the template and the line counts towards the likeness, as a
   * share of an equal token: any two numbers look alike, but they are weaker evidence than an
   * equal word.
   */
  readonly maskCredit: number;
  /**
   * The mask credit is withheld when a differing constant word is capitalised (`Starting` /
   * `Ending`): that is the message's own wording, where a lower-case word (`root`, `u1`) is
   * more often a value.
   */
  readonly wordingGuard: boolean;
  /** `core.1234`, `node-12` keep their name: `core.<*>`, `node-<*>` (else the whole token is `<*>`). */
  readonly nameNumber: boolean;
  /**
   * A quantity (`30s`, `512MB`, `5min`) keeps its unit outside the variable: `<*>s`. Off, the
   * quantity is one value, `<*>`, as every LogHub-2k ground truth writes it: leave-one-out
   * preferred that in 22 folds of 24 (docs/accuracy.md), and it is the default.
   */
  readonly unitSuffix: boolean;
  /** A written-out date (`Fri Jun 17 20:55:07 2005`) is one `<*>`. */
  readonly dateCollapse: boolean;
  /**
   * A number and its size unit (`5.2 KB,`) are one `<*>`. Off (the default), the unit stays a
   * word of its own (`<*> KB,`), as the ground truth writes sizes: leave-one-out preferred that
   * in 10 folds of 12 and was indifferent in the others (docs/accuracy.md).
   */
  readonly sizeCollapse: boolean;
  /**
   * A token longer than any word or name (more than 256 characters: a compact JSON document, a
   * payload) is one value, `<*>`: otherwise each such line is a template of its own.
   */
  readonly longTokenValue: boolean;
  /**
   * A token repeated in a run of at least this many (`ping ping ping ...`, `blk_<*> blk_<*> ...`)
   * is a list of variable length: its first occurrence and one `<*>` for the rest, so lists of
   * different lengths share a template (0: off). Runs of `<*>` are left alone.
   */
  readonly repeatRun: number;
  /** `R02-M1-N0-C`: a word of two or more parts with digits is an id (one such part is a name: `ssh2`). */
  readonly multiPartId: boolean;
  /** A bracketed thread name beside a header's level (`INFO [IPC Server handler 5 on 9000]`) is one `<*>`. */
  readonly threadField: boolean;
  /** A syslog header's program tag (`sshd(pam_unix)[19939]:`) is one `<*>:`. */
  readonly programTag: boolean;
  /**
   * A line never joins a template from which a token differs by a capitalised word with a
   * lower-case letter (`tty=NODEVssh` / `tty=:0`, `Started` / `Paused`): two events that differ
   * in one word of their wording (Drain's known failure), however alike the rest.
   */
  readonly wordingVeto: boolean;
  /**
   * Clusters of a leaf that differ in one position only, a word in each (not wording such as
   * `Started`), are one event
   * with a variable there once that position has taken this many distinct words, fewer than two
   * lines a word on average, or one of its words is a value of another template's variable
   * (0: off). Few words that each repeat (states) stay apart.
   */
  readonly siblingValues: number;
  /**
   * Sibling words that all carry a digit (`gige7`, `Interconnect-0N01`, `node-D3`) are names,
   * values however often each recurs: folded once they are `siblingValues` distinct, without
   * the test of few lines a word, and capitalised ones too (wording has no digits).
   */
  readonly digitValues: boolean;
  /**
   * A `key=value` token whose key agrees and value differs (`tag="*launch*",` /
   * `tag="handleAudioEvent",`) counts towards the likeness as a value masked in both does
   * (`maskCredit`).
   */
  readonly keyCredit: boolean;
}

/** The choices the service runs with. */
export const DEFAULT_CHOICES: MinerChoices = Object.freeze({
  similarity: 0.7,
  prefixTokens: 2,
  maskCredit: 0.5,
  wordingGuard: true,
  nameNumber: true,
  unitSuffix: false,
  dateCollapse: true,
  sizeCollapse: false,
  longTokenValue: true,
  repeatRun: 3,
  multiPartId: true,
  threadField: true,
  programTag: true,
  wordingVeto: true,
  siblingValues: 4,
  digitValues: true,
  keyCredit: true,
});

/** The rules that can be switched off (each a boolean choice). */
export const RULES = [
  'wordingGuard',
  'nameNumber',
  'unitSuffix',
  'dateCollapse',
  'sizeCollapse',
  'longTokenValue',
  'repeatRun',
  'multiPartId',
  'threadField',
  'programTag',
  'wordingVeto',
  'siblingValues',
  'digitValues',
  'keyCredit',
] as const;
