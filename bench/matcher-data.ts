// The templates and lines of bench:matcher (and of bench/matcher-profile.ts): LogHub-2k's
// ground-truth templates multiplied by varying their literal tokens, and lines made from them
// with fresh variable values, all from one seeded generator so that every run measures the same.
import { tokenize } from '../src/match/index.ts';
import type { Template } from '../src/model/template.ts';
import { DATASETS, LOGHUB_DIR, loghubAvailable, readTemplates } from './loghub.ts';

if (!loghubAvailable()) {
  console.error(`LogHub-2k not found at ${LOGHUB_DIR}; set LOGHUB_DIR`);
  process.exit(2);
}

export const ORG = 'acme';
const WILDCARD = '<*>';

// mulberry32: a small seeded generator, so every run measures the same templates and lines.
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
export const int = (below: number): number => Math.floor(random() * below);
const digits = (count: number): string =>
  String(1 + int(9)) + Array.from({ length: count - 1 }, () => String(int(10))).join('');

/** The token sequence Drain3 sees: a token holding a `<*>` is one wildcard to it. */
const drainForm = (text: string): string =>
  tokenize(text)
    .map((token) => (token.includes(WILDCARD) ? WILDCARD : token))
    .join(' ');

const base = [...new Set(DATASETS.flatMap((name) => readTemplates(name)))].filter((text) =>
  /[A-Za-z]{3}/.test(text),
);
for (let k = base.length - 1; k > 0; k--) {
  const j = int(k + 1);
  [base[k], base[j]] = [base[j] ?? '', base[k] ?? ''];
}

/** Variant v of a template: one of its literal words gets a suffix, so texts differ all over the trie. */
function variant(text: string, v: number): string {
  if (v === 0) return text;
  const tokens = text.split(' ');
  const literal = tokens.flatMap((token, k) => (/^[A-Za-z]+$/.test(token) ? [k] : []));
  const at = literal[v % Math.max(1, literal.length)] ?? 0;
  tokens[at] = `${tokens[at] ?? ''}${String.fromCharCode(97 + (v % 26))}${Math.floor(v / 26)}`;
  return tokens.join(' ');
}

// Texts that would be one template to Drain3 (`blk_<*> x` and `<*> x`) are kept once, so
// that both sides hold exactly N distinct templates.
export const texts: string[] = [];
const seen = new Set<string>();
for (let v = 0; texts.length < 10_000; v++) {
  for (const text of base) {
    const next = variant(text, v);
    if (texts.length === 10_000 || seen.has(drainForm(next))) continue;
    seen.add(drainForm(next));
    texts.push(next);
  }
}
export const templates: Template[] = texts.map((text, k) => ({
  id: k + 1,
  org: ORG,
  text,
  source: 'builtin',
  createdAt: 0,
  updatedAt: 0,
}));

const USERS = ['root', 'admin', 'hdfs', 'yarn', 'guest', 'oracle', 'www-data', 'nobody'];
/** Fresh variable values of the kinds LogHub's variables have. */
const valueKinds: Array<() => string> = [
  () => String(int(100_000)),
  () => `${1 + int(254)}.${int(256)}.${int(256)}.${1 + int(254)}:${1024 + int(60_000)}`,
  () => `blk_${random() < 0.5 ? '-' : ''}${digits(19)}`,
  () => USERS[int(USERS.length)] ?? 'root',
  () => `0x${int(0x1000000).toString(16)}`,
  () => `job_${digits(13)}_${String(int(10_000)).padStart(4, '0')}`,
];
export function lineOf(text: string): string {
  return text.replaceAll(WILDCARD, () => valueKinds[int(valueKinds.length)]?.() ?? '');
}
/**
 * The lines as the service gets them, out of JSON.parse: flat strings. (replaceAll builds
 * cons strings, whose every character read goes through an indirection: 10-20% slower.)
 */
export const flat = (lines: string[]): string[] => JSON.parse(JSON.stringify(lines)) as string[];
