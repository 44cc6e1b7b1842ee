import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PersistentMap } from '../../../src/match/persistent-map.ts';

describe('PersistentMap', () => {
  it('agrees with a Map through many sets and deletes, and never changes an older version', () => {
    let map = PersistentMap.empty<number, string>();
    const model = new Map<number, string>();
    const versions: Array<[PersistentMap<number, string>, Map<number, string>]> = [];
    for (let k = 0; k < 3_000; k++) {
      const key = (k * 7919) % 500;
      if (k % 3 === 2) {
        map = map.delete(key);
        model.delete(key);
      } else {
        map = map.set(key, `v${k}`);
        model.set(key, `v${k}`);
      }
      if (k % 250 === 0) versions.push([map, new Map(model)]);
    }
    versions.push([map, model]);
    for (const [version, expected] of versions) {
      assert.equal(version.size, expected.size);
      assert.deepEqual(new Map(version.entries()), expected);
      for (let key = 0; key < 500; key++) assert.equal(version.get(key), expected.get(key));
    }
  });

  it('returns itself when deleting a missing key', () => {
    const map = PersistentMap.empty<string, number>().set('a', 1);
    assert.equal(map.delete('b'), map);
  });
});
