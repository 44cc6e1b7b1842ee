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

  it('exposes its native Map as `plain` exactly when no changes are pending', () => {
    let map = PersistentMap.empty<number, number>();
    let plainSeen = 0;
    let pendingSeen = 0;
    for (let k = 0; k < 2_000; k++) {
      map = k % 5 === 4 ? map.delete((k * 31) % 700) : map.set((k * 31) % 700, k);
      const plain = map.plain;
      if (plain === undefined) {
        pendingSeen++;
        continue;
      }
      plainSeen++;
      assert.deepEqual(new Map(plain), new Map(map.entries()));
    }
    // Both states occur: small maps copy on write, large ones gather a delta then fold it.
    assert.ok(plainSeen > 0 && pendingSeen > 0);
  });

  it('never changes a native Map it handed out as `plain`', () => {
    let map = PersistentMap.empty<number, number>();
    const handedOut: Array<[ReadonlyMap<number, number>, Map<number, number>]> = [];
    for (let k = 0; k < 2_000; k++) {
      map = k % 4 === 3 ? map.delete((k * 13) % 600) : map.set((k * 13) % 600, k);
      const plain = map.plain;
      if (plain !== undefined && k % 10 === 0) handedOut.push([plain, new Map(plain)]);
    }
    assert.ok(handedOut.length > 0);
    for (const [plain, copy] of handedOut) assert.deepEqual(new Map(plain), copy);
  });

  it('returns itself when deleting a missing key', () => {
    const map = PersistentMap.empty<string, number>().set('a', 1);
    assert.equal(map.delete('b'), map);
  });
});
