import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastMatchSteps, Matcher, MatcherSnapshot } from '../../../src/match/index.ts';
import type { Template } from '../../../src/model/template.ts';

function template(id: number, text: string, org = 'acme'): Template {
  return { id, org, text, source: 'builtin', createdAt: 0, updatedAt: 0 };
}

function snapshotOf(...texts: string[]): MatcherSnapshot {
  return MatcherSnapshot.empty().withChanges(texts.map((text, k) => template(k + 1, text)));
}

describe('MatcherSnapshot.match', () => {
  it('matches literal tokens and whole-token wildcards, with their values', () => {
    const snapshot = snapshotOf('Connection from <*> port <*> closed');
    assert.deepEqual(snapshot.match('acme', 'Connection from 10.0.0.1 port 22 closed'), {
      templateId: 1,
      variables: ['10.0.0.1', '22'],
    });
    assert.equal(snapshot.match('acme', 'Connection from 10.0.0.1 port 22 open'), undefined);
  });

  it('ignores differences in whitespace between tokens', () => {
    const snapshot = snapshotOf('Connection timeout after <*>');
    assert.deepEqual(snapshot.match('acme', '  Connection\ttimeout   after 30s \n')?.variables, ['30s']);
  });

  it('matches wildcards embedded in a token', () => {
    const snapshot = snapshotOf('Deleting block blk_<*> file /<*>:<*>', 'Connection timeout after <*>s');
    assert.deepEqual(snapshot.match('acme', 'Deleting block blk_-42 file /10.0.0.1:50010'), {
      templateId: 1,
      variables: ['-42', '10.0.0.1', '50010'],
    });
    assert.deepEqual(snapshot.match('acme', 'Connection timeout after 30s')?.variables, ['30']);
    assert.equal(snapshot.match('acme', 'Connection timeout after 30ms')?.variables[0], '30m');
    assert.equal(snapshot.match('acme', 'Connection timeout after 30m'), undefined);
  });

  it('lets a lone wildcard stand for several tokens, keeping their original spacing', () => {
    const snapshot = snapshotOf('Server environment: <*> set', 'Started <*>');
    assert.deepEqual(snapshot.match('acme', 'Server environment: java  version 17 set')?.variables, [
      'java  version 17',
    ]);
    assert.deepEqual(snapshot.match('acme', 'Started job  one of  three')?.variables, ['job  one of  three']);
  });

  it('lets a lone wildcard stand for nothing when nothing else fits', () => {
    const snapshot = snapshotOf('Login by <*> from <*>');
    assert.deepEqual(snapshot.match('acme', 'Login by from 10.0.0.1')?.variables, ['', '10.0.0.1']);
    assert.deepEqual(snapshot.match('acme', 'Login by alice from')?.variables, ['alice', '']);
  });

  it('lets an embedded wildcard stand for several tokens (LogHub style)', () => {
    const snapshot = snapshotOf('acquire tag="<*>", uid=<*>', 'stored (estimated size <*>, free <*>)');
    assert.deepEqual(snapshot.match('acme', 'acquire tag="View Lock", uid=1000')?.variables, [
      'View Lock',
      '1000',
    ]);
    assert.deepEqual(snapshot.match('acme', 'stored (estimated size 5.2 KB, free 14.0 KB)')?.variables, [
      '5.2 KB',
      '14.0 KB',
    ]);
  });

  it('prefers a literal over a pattern over a wildcard', () => {
    const snapshot = snapshotOf('user <*> logged in', 'user u<*> logged in', 'user root logged in');
    assert.equal(snapshot.match('acme', 'user root logged in')?.templateId, 3);
    assert.equal(snapshot.match('acme', 'user u42 logged in')?.templateId, 2);
    assert.equal(snapshot.match('acme', 'user alice logged in')?.templateId, 1);
  });

  it('prefers the pattern with more literal text', () => {
    const snapshot = snapshotOf('got <*>s', 'got <*>ms');
    assert.equal(snapshot.match('acme', 'got 30ms')?.templateId, 2);
    assert.equal(snapshot.match('acme', 'got 30s')?.templateId, 1);
  });

  it('finds patterns whose buckets have prefixes of every length at one node, also after removals', () => {
    const texts = ['t <*>ms', 't a<*>z', 't ab<*>z', 't abc<*>z', 't abcd<*>z'];
    let snapshot = snapshotOf(...texts);
    assert.equal(snapshot.match('acme', 't 30ms')?.templateId, 1);
    assert.equal(snapshot.match('acme', 't a1z')?.templateId, 2);
    assert.equal(snapshot.match('acme', 't ab1z')?.templateId, 3);
    assert.equal(snapshot.match('acme', 't abc1z')?.templateId, 4);
    assert.equal(snapshot.match('acme', 't abcd1z')?.templateId, 5);
    assert.equal(snapshot.match('acme', 't ab')?.templateId, undefined);
    // Without the 2-character bucket, `ab1z` falls back to `a<*>z`; the other lengths stay.
    snapshot = snapshot.withChanges([], [{ org: 'acme', id: 3 }]);
    assert.deepEqual(snapshot.match('acme', 't ab1z'), { templateId: 2, variables: ['b1'] });
    assert.equal(snapshot.match('acme', 't 30ms')?.templateId, 1);
    assert.equal(snapshot.match('acme', 't abcd1z')?.templateId, 5);
    snapshot = snapshot.withChanges([template(3, 't ab<*>z')]);
    assert.deepEqual(snapshot.match('acme', 't ab1z'), { templateId: 3, variables: ['1'] });
  });

  it('backtracks when the most specific branch fails further on', () => {
    const snapshot = snapshotOf('user root logged out', 'user <*> logged in');
    assert.equal(snapshot.match('acme', 'user root logged in')?.templateId, 2);
  });

  it('reports the smallest id when two templates have the same tokens', () => {
    const snapshot = MatcherSnapshot.empty().withChanges([template(9, 'a <*> b'), template(4, 'a  <*> b')]);
    assert.equal(snapshot.match('acme', 'a x b')?.templateId, 4);
    assert.equal(snapshot.countFor('acme'), 2);
    const without4 = snapshot.withChanges([], [{ org: 'acme', id: 4 }]);
    assert.equal(without4.match('acme', 'a x b')?.templateId, 9);
  });

  it('treats template text as data, not as a regular expression', () => {
    const snapshot = snapshotOf('cost (.*) $<*>^ [a-z]+');
    assert.deepEqual(snapshot.match('acme', 'cost (.*) $42^ [a-z]+')?.variables, ['42']);
    assert.equal(snapshot.match('acme', 'cost (x) $42^ [a-z]+'), undefined);
  });

  it('gives up on a pathological line after a bounded number of steps', () => {
    const snapshot = snapshotOf('<*> a <*> a <*> a <*> a <*> b');
    const line = Array.from({ length: 400 }, () => 'a').join(' ');
    assert.equal(snapshot.match('acme', line), undefined);
    assert.ok(lastMatchSteps() <= 10_001);
  });
});

describe('MatcherSnapshot org isolation', () => {
  it("never matches one org's template against another org's logs", () => {
    const snapshot = MatcherSnapshot.empty().withChanges([template(1, 'Disk <*> full', 'a')]);
    assert.equal(snapshot.match('a', 'Disk sda full')?.templateId, 1);
    assert.equal(snapshot.match('b', 'Disk sda full'), undefined);
    assert.equal(snapshot.get('b', 1), undefined);
    assert.deepEqual(snapshot.templatesOf('b'), []);
  });

  it('keeps the same id in two orgs apart', () => {
    const snapshot = MatcherSnapshot.empty().withChanges([
      template(1, 'alpha <*>', 'a'),
      template(1, 'beta <*>', 'b'),
    ]);
    assert.equal(snapshot.match('a', 'beta 1'), undefined);
    assert.equal(snapshot.match('b', 'beta 1')?.templateId, 1);
    assert.equal(snapshot.size, 2);
  });
});

describe('MatcherSnapshot.withChanges', () => {
  it('leaves the old snapshot unchanged', () => {
    const before = snapshotOf('Disk <*> full');
    const after = before.withChanges([template(2, 'Disk <*> empty')], [{ org: 'acme', id: 1 }]);
    assert.equal(before.match('acme', 'Disk sda full')?.templateId, 1);
    assert.equal(before.match('acme', 'Disk sda empty'), undefined);
    assert.equal(before.size, 1);
    assert.equal(after.match('acme', 'Disk sda full'), undefined);
    assert.equal(after.match('acme', 'Disk sda empty')?.templateId, 2);
    assert.equal(after.size, 1);
  });

  it("replaces a template's old path when its text changes", () => {
    const before = snapshotOf('Disk sda full');
    const after = before.withChanges([{ ...template(1, 'Disk <*> full'), updatedAt: 5 }]);
    assert.equal(after.match('acme', 'Disk sdb full')?.templateId, 1);
    assert.equal(after.countFor('acme'), 1);
    assert.equal(after.get('acme', 1)?.text, 'Disk <*> full');
    const narrowed = after.withChanges([template(1, 'Disk sdc full')]);
    assert.equal(narrowed.match('acme', 'Disk sdb full'), undefined);
    assert.equal(narrowed.match('acme', 'Disk sdc full')?.templateId, 1);
  });

  it('deletes templates, and an org without templates disappears', () => {
    const snapshot = snapshotOf('one <*>', 'two <*>');
    const less = snapshot.withChanges(
      [],
      [
        { org: 'acme', id: 1 },
        { org: 'acme', id: 99 },
      ],
    );
    assert.equal(less.match('acme', 'one 1'), undefined);
    assert.equal(less.match('acme', 'two 2')?.templateId, 2);
    const none = less.withChanges([], [{ org: 'acme', id: 2 }]);
    assert.equal(none.size, 0);
    assert.equal(none.countFor('acme'), 0);
    assert.equal(none.match('acme', 'two 2'), undefined);
  });

  it('applies deletes after upserts', () => {
    const snapshot = MatcherSnapshot.empty().withChanges([template(1, 'x <*>')], [{ org: 'acme', id: 1 }]);
    assert.equal(snapshot.size, 0);
  });

  it('does not let later changes to a passed template object leak in', () => {
    const input = template(1, 'Disk <*> full');
    const snapshot = MatcherSnapshot.empty().withChanges([input]);
    input.text = 'changed';
    assert.equal(snapshot.get('acme', 1)?.text, 'Disk <*> full');
  });
});

describe('MatcherSnapshot with 10,000 templates', () => {
  const templates = Array.from({ length: 10_000 }, (_, k) =>
    template(k + 1, k % 2 === 0 ? `service${k} started on port <*>` : `job <*> step${k} took <*>ms`),
  );
  const big = MatcherSnapshot.empty().withChanges(templates);

  it('still matches every template correctly', () => {
    for (let k = 0; k < 10_000; k++) {
      const line = k % 2 === 0 ? `service${k} started on port 80` : `job j${k} step${k} took 12ms`;
      const result = big.match('acme', line);
      assert.equal(result?.templateId, k + 1);
      assert.deepEqual(result.variables, k % 2 === 0 ? ['80'] : [`j${k}`, '12']);
    }
    assert.equal(big.size, 10_000);
    assert.equal(big.templatesOf('acme').length, 10_000);
  });

  it('visits as many trie nodes per line as with one template', () => {
    const small = MatcherSnapshot.empty().withChanges([template(1, 'job <*> step1 took <*>ms')]);
    small.match('acme', 'job j1 step1 took 12ms');
    const stepsSmall = lastMatchSteps();
    big.match('acme', 'job j1 step1 took 12ms');
    assert.equal(lastMatchSteps(), stepsSmall);
  });

  it('stays consistent through many chained single changes', () => {
    let snapshot = big;
    for (let k = 0; k < 300; k++) {
      snapshot = snapshot.withChanges([template(k + 1, `renamed${k} <*>`)], [{ org: 'acme', id: 5_000 + k }]);
    }
    assert.equal(snapshot.size, 10_000 - 300);
    assert.equal(snapshot.match('acme', 'renamed7 x')?.templateId, 8);
    assert.equal(snapshot.match('acme', 'service0 started on port 80'), undefined);
    assert.equal(snapshot.match('acme', 'service5000 started on port 80'), undefined);
    assert.equal(snapshot.match('acme', 'service5300 started on port 80')?.templateId, 5_301);
    assert.equal(big.match('acme', 'service0 started on port 80')?.templateId, 1);
  });
});

describe('Matcher', () => {
  it('swaps in a new snapshot while readers keep the one they took', () => {
    const matcher = new Matcher();
    const taken = matcher.current;
    matcher.apply([template(1, 'ready <*>')]);
    assert.equal(taken.match('acme', 'ready now'), undefined);
    assert.equal(matcher.current.match('acme', 'ready now')?.templateId, 1);
    matcher.apply([], [{ org: 'acme', id: 1 }]);
    assert.equal(matcher.current.size, 0);
  });
});
