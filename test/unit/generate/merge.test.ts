import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeTemplates } from '../../../src/generate/merge.ts';

describe('mergeTemplates', () => {
  it('merges templates that differ only where one of them has a variable', () => {
    assert.equal(
      mergeTemplates('user <*> logged in from web', 'user bob logged in from <*>'),
      'user <*> logged in from <*>',
    );
    assert.equal(mergeTemplates('job <*> done', 'job 7 done'), 'job <*> done');
    assert.equal(mergeTemplates('job <*> done', 'job <*> done'), 'job <*> done');
  });

  it('keeps apart templates that differ in constant text or length', () => {
    assert.equal(mergeTemplates('Starting <*> service', 'Stopping <*> service'), undefined);
    assert.equal(mergeTemplates('job <*> done', 'job <*> done twice'), undefined);
  });

  it('does not merge into a template with no constant text', () => {
    assert.equal(mergeTemplates('<*> failed', 'disk <*>'), undefined);
  });
});
