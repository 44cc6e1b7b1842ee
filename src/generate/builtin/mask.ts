import { WILDCARD } from '../../model/template.ts';
import { DEFAULT_CHOICES, type MinerChoices } from './choices.ts';

/** The mask rules a caller may switch off (see choices.ts). */
export type MaskRules = Pick<
  MinerChoices,
  | 'nameNumber'
  | 'unitSuffix'
  | 'dateCollapse'
  | 'sizeCollapse'
  | 'longTokenValue'
  | 'repeatRun'
  | 'multiPartId'
  | 'threadField'
  | 'programTag'
>;

/** Longer than any constant token of the LogHub-2k ground truth (131 characters at most). */
const LONG_TOKEN = 256;

/**
 * Masking of obvious variables in one whitespace token, before clustering, following the
 * LogHub convention: the variable part becomes `<*>` and the punctuation around it stays,
 * so `uid=0` -> `uid=<*>`, `[DFSClient_NONMAPREDUCE_15_1]` -> `[<*>]`,
 * `/10.250.19.102:54106` -> `<*>`, `0x00544ea8,` -> `<*>,`, `30s` -> `<*>`.
 * Tokens with a digit that read as words (`ssh2`, `jk2_init()`, `alt0`) stay constant.
 * The result always matches the token it came from: only whole words are replaced.
 * All regular expressions here are fixed and linear; none is built from input.
 */

const IP_ADDRESS = /\/?\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?/g;
const SPLIT = /(<\*>|[=:,;()[\]{}<>"'|#])/;
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const TRAILING_PUNCTUATION = /[,;.)\]]*$/;
const LITERAL_VALUE = /^(?:true|false|null)$/i;
const SIZE_UNIT = /^(?:B|KB|MB|GB|TB|KiB|MiB|GiB)([,;.)\]]*)$/;
const NUMBER = /^[-+]?\d+(?:[.,]\d+)*$/;
const NUMBER_WITH_UNIT = /^(\d+(?:\.\d+)?)([a-zA-Z]{1,2}|sec|min)$/;
const HEX = /^(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]{6,})$/;
const DIGIT = /\d/;
/** `core.1234`, `node-12`: a name, then a number, stays a name (`blk_-42` does not: ids joined by `_` are whole). */
const NAME_DOT_NUMBER = /^([A-Za-z]+[.-])\d+$/;
const PART_SEPARATORS = /[._\-/\\@~#$+]/;
const PURE_NUMBER_PART = /^\d+$/;

export function maskToken(token: string, rules: MaskRules = DEFAULT_CHOICES): string {
  if (rules.longTokenValue && token.length > LONG_TOKEN) return WILDCARD;
  if (URL_SCHEME.test(token)) return WILDCARD + (TRAILING_PUNCTUATION.exec(token)?.[0] ?? '');
  if (
    !DIGIT.test(token) &&
    !token.includes('/') &&
    !token.includes('\\') &&
    !/true|false|null/i.test(token)
  ) {
    return token;
  }
  const withoutAddresses = token.replace(IP_ADDRESS, WILDCARD);
  const pieces = withoutAddresses.split(SPLIT);
  let masked = '';
  for (const piece of pieces)
    masked += piece.length > 1 || !SPLIT.test(piece) ? maskWord(piece, rules) : piece;
  // `host-41:8030` is one address, not two variables.
  while (masked.includes('<*><*>') || masked.includes('<*>:<*>')) {
    masked = masked.replaceAll('<*><*>', WILDCARD).replaceAll('<*>:<*>', WILDCARD);
  }
  return masked;
}

function maskWord(word: string, rules: MaskRules): string {
  if (word === '' || word === WILDCARD) return word;
  // A full stop ends sentences: `port 8030.` is the number 8030 then a literal dot.
  let end = word.length;
  while (end > 0 && word.charCodeAt(end - 1) === 46) end--;
  const core = word.slice(0, end);
  const dots = word.slice(end);
  if (core === '') return word;
  const numbered = rules.nameNumber ? NAME_DOT_NUMBER.exec(core) : null;
  if (numbered !== null) return (numbered[1] ?? '') + WILDCARD + dots;
  if (isVariableWord(core, rules)) return WILDCARD + dots;
  const unit = NUMBER_WITH_UNIT.exec(core);
  if (unit !== null) return WILDCARD + (rules.unitSuffix ? (unit[2] ?? '') : '') + dots;
  return word;
}

function isVariableWord(word: string, rules: MaskRules): boolean {
  if (NUMBER.test(word) || LITERAL_VALUE.test(word)) return true;
  if (!DIGIT.test(word)) return isPath(word);
  if (HEX.test(word) && DIGIT.test(word)) return true;
  if (isPath(word)) return true;
  let numbered = 0;
  for (const part of word.split(PART_SEPARATORS)) {
    if (PURE_NUMBER_PART.test(part)) return true;
    if (part.length >= 6 && HEX.test(part)) return true;
    if (DIGIT.test(part)) numbered++;
  }
  // `R02-M1-N0-C`, `J12-U11`: several numbered parts make an id (a node, a slot), where one
  // (`ssh2`, `jk2_init`, `log4j-core`) is a name.
  return rules.multiPartId && numbered >= 2;
}

function isPath(word: string): boolean {
  if (word.length < 2) return false;
  if (word.startsWith('/') || word.startsWith('\\')) return true;
  let separators = 0;
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code === 47 || code === 92) separators++;
  }
  return separators >= 2;
}

const DATE_NAME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*,?$/;
const CLOCK = /^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;

/**
 * Masks each token of a line, then collapses a written-out date such as
 * `Fri Jun 17 20:55:07 2005` into one `<*>` (and, with sizeCollapse, `5.2 KB,` into `<*>,`), as
 * LogHub does: the matcher lets a `<*>` stand for several tokens, so the template still
 * matches the line.
 */
export function maskTokens(tokens: readonly string[], rules: MaskRules = DEFAULT_CHOICES): string[] {
  const originals = [...tokens];
  const masked = tokens.map((token) => maskToken(token, rules));
  if (rules.threadField) maskThread(originals, masked);
  if (rules.programTag) maskProgramTag(masked);
  const out: string[] = [];
  for (let k = 0; k < masked.length; k++) {
    const date = rules.dateCollapse ? dateRun(originals, masked, k) : undefined;
    const unit = rules.sizeCollapse && masked[k] === WILDCARD ? SIZE_UNIT.exec(masked[k + 1] ?? '') : null;
    if (date !== undefined) {
      out.push(date.token);
      k = date.end - 1;
    } else if (unit !== null) {
      // `5.2 KB,` is one quantity: `<*>,`.
      out.push(WILDCARD + (unit[1] ?? ''));
      k++;
    } else {
      out.push(masked[k] ?? '');
    }
  }
  return rules.repeatRun > 0 ? collapseRuns(out, rules.repeatRun) : out;
}

/**
 * A written-out date from token `k` (`Fri Jun 17 20:55:07 2005`, `[Sun Dec 04 04:47:44 2005]`):
 * three or more tokens of day or month names, a clock and numbers, with one of each of the
 * first two; its one `<*>` keeps a bracket around the whole. Undefined when there is none.
 */
function dateRun(
  tokens: readonly string[],
  masked: readonly string[],
  k: number,
): { token: string; end: number } | undefined {
  const open = OPENING.exec(masked[k] ?? '')?.[0] ?? '';
  let close = '';
  let hasName = false;
  let hasClock = false;
  let end = k;
  while (end < masked.length && close === '') {
    let token = masked[end] ?? '';
    let original = tokens[end] ?? '';
    if (end === k && open !== '') {
      token = token.slice(1);
      original = original.slice(1);
    }
    if (open !== '' && CLOSING.test(token)) {
      close = token.slice(-1);
      token = token.slice(0, -1);
      original = original.slice(0, -1);
    }
    if (DATE_NAME.test(token)) hasName = true;
    else if (CLOCK.test(original)) hasClock = true;
    else if (token !== WILDCARD) break;
    end++;
  }
  if (!hasName || !hasClock || end - k < 3) return undefined;
  // A bracket opened and not closed within the date stays on its token.
  if (open !== '' && close === '') return undefined;
  return { token: open + WILDCARD + close, end };
}

const OPENING = /^[[(]/;
const CLOSING = /[\])]$/;
const LEVEL =
  /^(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|FATAL|CRITICAL|Trace|Debug|Info|Notice|Warn|Warning|Error|Fatal)$/;
/** Header tokens searched for a level: a level further in is the message's own word. */
const HEADER_TOKENS = 8;

/**
 * A thread name in brackets beside the level of a log4j- or logback-style header
 * (`INFO [IPC Server handler 5 on 9000] org.apache...`, `[main] INFO ...`) is one value: the
 * same event is logged from many threads. Its tokens become one `[<*>]`, in both arrays (the
 * line's tokens and their masked forms stay aligned).
 */
function maskThread(originals: string[], masked: string[]): void {
  const level = masked.slice(0, HEADER_TOKENS).findIndex((token) => LEVEL.test(token));
  if (level < 0) return;
  for (const start of [level + 1, level - 1]) {
    if (!(masked[start] ?? '').startsWith('[')) continue;
    let end = start;
    while (end < Math.min(masked.length, start + HEADER_TOKENS) && !(masked[end] ?? '').endsWith(']')) end++;
    if (!(masked[end] ?? '').endsWith(']')) continue;
    const field = '[' + WILDCARD + ']';
    originals.splice(start, end - start + 1, field);
    masked.splice(start, end - start + 1, field);
    return;
  }
}

/** A syslog tag once its process id is masked: `sshd[<*>]:`, `su(pam_unix)[<*>]:`. */
const PROGRAM_TAG = /^[A-Za-z][\w.-]*(?:\([\w.-]+\))?\[<\*>\]:$/;

/**
 * The program's tag in a syslog header (`sshd(pam_unix)[19939]:`) is one value, `<*>:`: the
 * same event (`session opened for user <*>`) is logged by several programs, as by several
 * threads or hosts. Only among the header's first tokens, and only with its process id.
 */
function maskProgramTag(masked: string[]): void {
  const at = masked.slice(0, HEADER_TOKENS).findIndex((token) => PROGRAM_TAG.test(token));
  if (at >= 0) masked[at] = WILDCARD + ':';
}

/** Each run of at least `least` equal tokens (not `<*>`) as its first token and one `<*>`. */
function collapseRuns(tokens: readonly string[], least: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < tokens.length;) {
    const token = tokens[k] ?? '';
    let end = k + 1;
    while (end < tokens.length && tokens[end] === token) end++;
    out.push(token);
    if (end - k >= least && token !== WILDCARD) out.push(WILDCARD);
    else for (let j = k + 1; j < end; j++) out.push(token);
    k = end;
  }
  return out;
}
