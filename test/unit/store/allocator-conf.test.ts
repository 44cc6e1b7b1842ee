// The embedded engine's allocator options (store/client.ts): ours first, an operator's own after
// them, so theirs win; a negative decay leaves the environment's as it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocatorConf } from '../../../src/store/client.ts';

describe('allocatorConf', () => {
  it('sets the dirty decay when the environment has no options', () => {
    assert.equal(allocatorConf(0, undefined), 'dirty_decay_ms:0');
    assert.equal(allocatorConf(1000, ''), 'dirty_decay_ms:1000');
  });

  it("puts an operator's own options after ours, where jemalloc lets them win", () => {
    assert.equal(
      allocatorConf(0, 'dirty_decay_ms:2000,narenas:1'),
      'dirty_decay_ms:0,dirty_decay_ms:2000,narenas:1',
    );
  });

  it('adds nothing a second time (a second store in the same process)', () => {
    assert.equal(allocatorConf(0, 'dirty_decay_ms:0'), 'dirty_decay_ms:0');
    assert.equal(allocatorConf(0, 'dirty_decay_ms:0,narenas:1'), 'dirty_decay_ms:0,narenas:1');
  });

  it("-1 keeps the engine's own, and the environment's options as they are", () => {
    assert.equal(allocatorConf(-1, undefined), undefined);
    assert.equal(allocatorConf(-1, 'narenas:1'), 'narenas:1');
  });
});
