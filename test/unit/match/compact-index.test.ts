// The compact index (compact base + persistent delta, layered-trie.ts) against the search it
// replaced (reference-search.ts over one persistent trie of the same templates): for generated
// templates, changes and lines, every line gets the same template id and the same variable
// values, after every change, from the new snapshot and still from the old ones.
//
// Fixed seed by default; MATCH_SEED=<n> explores another run (fast-check prints the seed and
// the shrunk counterexample of a failure).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Matcher, MatcherSnapshot, tokenize } from '../../../src/match/index.ts';
import { parseShapes } from '../../../src/match/shapes.ts';
import { EMPTY_NODE, insert, type TrieNode } from '../../../src/match/trie.ts';
import type { MatchResult, Template } from '../../../src/model/template.ts';
import { ReferenceSearch } from './reference-search.ts';

const ORG = 'acme';
const SEED = Number(process.env['MATCH_SEED'] ?? 19);
const reference = new ReferenceSearch();

function referenceMatch(templates: Iterable<Template>, line: string): MatchResult | undefined {
  let root: TrieNode = EMPTY_NODE;
  for (const t of templates) root = insert(root, tokenize(t.text), 0, t.id, parseShapes(t.shapes));
  return reference.run(root, line);
}

// A small vocabulary, so that templates share prefixes, patterns share buckets, and lines
// fit several templates at once (where the order of the search decides).
const literal = fc.constantFrom('a', 'b', 'err', 'disk', 'full', 'blk_1', 'x1y', '10ms', 'tag="v"');
const patternToken = fc.constantFrom(
  'blk_<*>',
  'blk_1<*>',
  'blk_<*>:<*>',
  '<*>ms',
  'x<*>y',
  '<*>:<*>',
  'tag="<*>"',
  'a<*>',
  '<*>',
);
const templateText = fc
  .array(fc.oneof({ arbitrary: literal, weight: 3 }, { arbitrary: patternToken, weight: 2 }), {
    minLength: 0,
    maxLength: 5,
  })
  .map((tokens) => tokens.join(' '));
/** Shapes for some templates (min-max/kinds per variable), none for others. */
const shapesFor = (text: string): fc.Arbitrary<string | undefined> => {
  const variables = text.split('<*>').length - 1;
  if (variables === 0) return fc.constant(undefined);
  const one = fc
    .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 15 }))
    .map(([min, extra, kinds]) => `${min}-${min + extra}/${kinds}`);
  return fc.option(
    fc.array(one, { minLength: variables, maxLength: variables }).map((s) => s.join(' ')),
    {
      nil: undefined,
    },
  );
};
const template = fc
  .record({ id: fc.integer({ min: 1, max: 40 }), text: templateText })
  .chain(({ id, text }) =>
    shapesFor(text).map((shapes): Template => ({
      id,
      org: ORG,
      text,
      source: 'builtin',
      createdAt: 0,
      updatedAt: 0,
      ...(shapes === undefined ? {} : { shapes }),
    })),
  );
const value = fc.constantFrom(
  '1',
  '42',
  'root',
  'blk_7',
  'blk_1:2',
  'v w',
  '',
  'x9y',
  'a b c',
  '10.0.0.1:80',
  '-',
);
/** Lines made from a template with values in its variables, or of vocabulary words alone. */
const lineOf = (text: string): fc.Arbitrary<string> =>
  fc.array(value, { minLength: 8, maxLength: 8 }).map((values) => {
    let k = 0;
    return text.replaceAll('<*>', () => values[k++ % values.length] ?? '');
  });
const change = fc.oneof(
  { arbitrary: template.map((t) => ({ upsert: t })), weight: 4 },
  { arbitrary: fc.integer({ min: 1, max: 40 }).map((id) => ({ remove: id })), weight: 1 },
);
const scenario = fc.record({
  initial: fc.array(template, { maxLength: 40 }),
  // Enough changes to pass the delta's limit (32) and rebuild the base at least once.
  batches: fc.array(fc.array(change, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 16 }),
  extraLines: fc.array(
    fc.array(fc.oneof(literal, value), { maxLength: 6 }).map((w) => w.join(' ')),
    {
      maxLength: 10,
    },
  ),
});

describe('compact index against the search it replaced', () => {
  it('gives every line the same template id and variables, after every change, in new and old snapshots', () => {
    fc.assert(
      fc.property(
        scenario.chain((s) => {
          const texts = [...s.initial, ...s.batches.flat().flatMap((c) => ('upsert' in c ? [c.upsert] : []))];
          return fc
            .tuple(...texts.map((t) => lineOf(t.text)))
            .map((lines) => ({ ...s, lines: [...lines, ...s.extraLines] }));
        }),
        ({ initial, batches, lines }) => {
          const current = new Map<number, Template>();
          for (const t of initial) current.set(t.id, t);
          const matcher = new Matcher(MatcherSnapshot.empty().withChanges(initial));
          // Every snapshot seen, with the templates it must hold: an old one must not change.
          const seen: Array<{ snapshot: MatcherSnapshot; templates: Template[] }> = [];
          const check = (snapshot: MatcherSnapshot, templates: Template[]): void => {
            for (const line of lines) {
              assert.deepEqual(
                snapshot.match(ORG, line),
                referenceMatch(templates, line),
                JSON.stringify(line),
              );
            }
          };
          check(matcher.current, [...current.values()]);
          for (const batch of batches) {
            seen.push({ snapshot: matcher.current, templates: [...current.values()] });
            const upserts = batch.flatMap((c) => ('upsert' in c ? [c.upsert] : []));
            const deletes = batch.flatMap((c) => ('remove' in c ? [{ org: ORG, id: c.remove }] : []));
            matcher.apply(upserts, deletes);
            for (const t of upserts) current.set(t.id, t);
            for (const { id } of deletes) current.delete(id);
            check(matcher.current, [...current.values()]);
          }
          for (const { snapshot, templates } of seen) check(snapshot, templates);
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });
});
