import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MatcherSnapshot } from '../../../src/match/index.ts';
import { currentTick, nextTick, UNLOAD_MAX_TEMPLATES } from '../../../src/match/org-index.ts';
import type { Template } from '../../../src/model/template.ts';

const template = (org: string, id: number, text: string): Template => ({
  id,
  org,
  text,
  source: 'builtin',
  createdAt: 0,
  updatedAt: 0,
});

describe('org index: tries built on demand, dropped when idle', () => {
  it('a loaded org has no trie until its first line, and matches the same once built', () => {
    const s = MatcherSnapshot.empty().withChanges([
      template('a', 1, 'took <*> ms'),
      template('b', 2, 'disk <*> full'),
    ]);
    assert.deepEqual(s.orgCounts(), { orgs: 2, indexed: 0 });
    assert.deepEqual(s.match('a', 'took 5 ms'), { templateId: 1, variables: ['5'] });
    assert.deepEqual(s.orgCounts(), { orgs: 2, indexed: 1 });
  });

  it('drops the trie of an org idle for the given ticks; its next line rebuilds it and matches as before', () => {
    let s = MatcherSnapshot.empty().withChanges([
      template('idle', 1, 'took <*> ms'),
      template('busy', 2, 'disk <*> full'),
    ]);
    s.match('idle', 'took 1 ms');
    s.match('busy', 'disk sda full');
    nextTick();
    nextTick();
    s.match('busy', 'disk sdb full');
    assert.equal(s.unloadIdle(currentTick() - 1), 1, 'only the idle org is dropped');
    assert.deepEqual(s.orgCounts(), { orgs: 2, indexed: 1 });
    // Changes to an unloaded org keep it unloaded and are seen when it is rebuilt.
    s = s.withChanges([template('idle', 3, 'queue <*> empty')]);
    assert.deepEqual(s.match('idle', 'queue q1 empty'), { templateId: 3, variables: ['q1'] });
    assert.deepEqual(s.match('idle', 'took 2 ms'), { templateId: 1, variables: ['2'] });
    assert.deepEqual(s.orgCounts(), { orgs: 2, indexed: 2 });
  });

  it(`keeps the trie of an org of more than ${UNLOAD_MAX_TEMPLATES} templates (too long to rebuild on a line's time)`, () => {
    const many = Array.from({ length: UNLOAD_MAX_TEMPLATES + 1 }, (_, k) =>
      template('big', k + 1, `event${k} <*>`),
    );
    const s = MatcherSnapshot.empty().withChanges(many);
    assert.deepEqual(s.orgCounts(), { orgs: 1, indexed: 1 }, 'indexed as soon as it is that large');
    nextTick();
    nextTick();
    assert.equal(s.unloadIdle(currentTick()), 0);
  });
});
