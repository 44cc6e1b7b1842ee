import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrgCeiling, orgCeiling } from '../../../src/quota/org-ceiling.ts';

describe('org ceiling', () => {
  it('takes new orgs up to the ceiling, then refuses every further new org', () => {
    const ceiling = new OrgCeiling(2);
    assert.equal(ceiling.admit('a'), true);
    assert.equal(ceiling.admit('b'), true);
    assert.equal(ceiling.admit('c'), false);
    assert.equal(ceiling.admit('d'), false);
    assert.equal(ceiling.admit('a'), true, 'a known org is still taken');
    assert.equal(ceiling.size, 2);
    assert.equal(ceiling.refusedLogs, 2);
  });

  it('counts orgs known at start, and never counts orgs named in API keys', () => {
    const ceiling = orgCeiling({ max: 2 }, [{ orgs: ['named'] }, { orgs: '*' }], ['old', 'old', 'older']);
    assert.ok(ceiling !== undefined);
    assert.equal(ceiling.size, 2);
    assert.equal(ceiling.admit('new'), false, 'the stored orgs fill the ceiling');
    assert.equal(ceiling.admit('named'), true, 'an org of a key is always taken');
    assert.equal(ceiling.size, 2);
  });

  it('ORGS_MAX=0 is no ceiling and keeps nothing', () => {
    assert.equal(orgCeiling({ max: 0 }, []), undefined);
    const open = new OrgCeiling(0);
    for (let k = 0; k < 100; k++) assert.equal(open.admit(`o${k}`), true);
    assert.equal(open.size, 0);
  });
});
