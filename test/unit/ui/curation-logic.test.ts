// What the explorer page says of curation (src/ui/lib/curation.js), in Node: a recorded change
// as the fields it changed, who made it, which templates a merge may go into, which names can
// travel in the X-Actor header. The module is the page's own browser JavaScript, as served.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface Change {
  template_id: number;
  at: string;
  actor: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}
interface Listed {
  id: number;
  template: string | null;
  count: number;
  curation?: { name: string };
}
type Value = { kind: string; text?: string; id?: number };

// Through a computed specifier, as page-logic.test.ts does: the page has its own compile.
const curation = (await import(new URL('../../../src/ui/lib/curation.js', import.meta.url).href)) as {
  ruleLabel(c: { rule: string; sample_percent?: number }): string;
  actorParts(actor: string): { name: string; who: string };
  fieldChanges(change: Change): Array<{ field: string; before: Value | null; after: Value }>;
  mergeCandidates(templates: readonly Listed[], query: string, self: number, limit: number): Listed[];
  actorProblem(name: string): string | null;
  templatesNamed(changes: readonly Change[]): number[];
};

const change = (action: string, before: Change['before'], after: Change['after']): Change => ({
  template_id: 7,
  at: '2026-12-07T12:00:00.000Z',
  actor: 'open@127.0.0.1',
  action,
  before,
  after,
});
/** A field change as the page reads it out: "field: before → after". */
const read = (c: Change) =>
  curation.fieldChanges(c).map(
    (f) =>
      `${f.field}: ${[f.before, f.after]
        .filter((v) => v !== null)
        .map((v) => (v.kind === 'template' ? `#${v.id}` : v.kind === 'none' ? `(${v.text})` : v.text))
        .join(' → ')}`,
  );

describe('a recorded change as the page shows it', () => {
  it('reads each changed field before → after, an empty name or note as none', () => {
    assert.deepEqual(
      read(
        change(
          'rename+note+rule',
          { name: '', note: 'old', rule: 'keep', sample_percent: 100 },
          { name: 'Cache misses', note: '', rule: 'sample', sample_percent: 10 },
        ),
      ),
      ['name: (no name) → Cache misses', 'note: old → (no note)', 'rule: keep → sample 10%'],
    );
  });

  it('reads a change of the percent alone as the sample rule, and a merge by its target', () => {
    assert.deepEqual(read(change('rule', { sample_percent: 10 }, { sample_percent: 25 })), [
      'rule: sample 10% → sample 25%',
    ]);
    assert.deepEqual(read(change('merge', { merged_into: 0 }, { merged_into: 42 })), [
      'merged into: (not merged) → #42',
    ]);
    assert.deepEqual(read(change('unmerge', { merged_into: 42 }, { merged_into: null })), [
      'merged into: #42 → (not merged)',
    ]);
  });

  it('reads a seed as its template, with nothing before', () => {
    assert.deepEqual(curation.fieldChanges(change('seed', null, { template: 'Job <*> queued' })), [
      { field: 'template', before: null, after: { kind: 'pattern', text: 'Job <*> queued' } },
    ]);
  });

  it('names each template the record points at once: the changed ones and the merge targets', () => {
    assert.deepEqual(
      curation.templatesNamed([
        change('merge', { merged_into: 0 }, { merged_into: 42 }),
        { ...change('rename', { name: '' }, { name: 'x' }), template_id: 42 },
      ]),
      [7, 42],
    );
  });
});

describe('who made a change', () => {
  it('tells the name a person gave apart from the key or address the service recorded', () => {
    assert.deepEqual(curation.actorParts('Ada (key:1a2b3c4d5e6f)'), { name: 'Ada', who: 'key:1a2b3c4d5e6f' });
    assert.deepEqual(curation.actorParts('Ada Lovelace (open@10.0.0.7)'), {
      name: 'Ada Lovelace',
      who: 'open@10.0.0.7',
    });
    assert.deepEqual(curation.actorParts('key:1a2b3c4d5e6f'), { name: '', who: 'key:1a2b3c4d5e6f' });
    // A name with brackets of its own stays whole.
    assert.deepEqual(curation.actorParts('Ops (night) (open@::1)'), { name: 'Ops (night)', who: 'open@::1' });
  });

  it('refuses a name the X-Actor header cannot carry, and takes Latin-1', () => {
    assert.equal(curation.actorProblem("Zoë O'Brien"), null);
    assert.equal(curation.actorProblem('李雷'), null);
    assert.match(curation.actorProblem('Ada\nEvil: 1') ?? '', /one line/, 'no line break into the record');
  });
});

describe('the templates a merge may go into', () => {
  const org: Listed[] = [
    { id: 0, template: null, count: 500 },
    { id: 1, template: 'Cache miss for key <*>', count: 20, curation: { name: 'Cache misses' } },
    { id: 2, template: 'Cache lookup failed for key <*>', count: 8 },
    { id: 3, template: 'Disk <*> full', count: 40 },
  ];
  it('offers the others, loudest first, never itself nor the lines without a template', () => {
    assert.deepEqual(
      curation.mergeCandidates(org, '', 2, 10).map((t) => t.id),
      [3, 1],
    );
  });
  it('finds them by every word typed, in the text, the name or the id', () => {
    assert.deepEqual(
      curation.mergeCandidates(org, 'CACHE misses', 2, 10).map((t) => t.id),
      [1],
    );
    assert.deepEqual(
      curation.mergeCandidates(org, '3', 2, 10).map((t) => t.id),
      [3],
    );
    assert.deepEqual(
      curation.mergeCandidates(org, 'cache', 1, 1).map((t) => t.id),
      [2],
      'at most the limit',
    );
  });
});

describe('the rule in a few words', () => {
  it('says keep, drop, or sample with its percent', () => {
    assert.deepEqual(
      [{ rule: 'keep' }, { rule: 'drop' }, { rule: 'sample', sample_percent: 2.5 }].map((c) =>
        curation.ruleLabel(c),
      ),
      ['keep', 'drop', 'sample 2.5%'],
    );
  });
});
