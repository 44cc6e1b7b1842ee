import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize } from '../../../src/match/index.ts';
import { EMPTY_NODE, insert, remove, type TrieNode } from '../../../src/match/trie.ts';

function* nodesOf(node: TrieNode): Generator<TrieNode> {
  yield node;
  for (const [, child] of node.literals?.entries() ?? []) yield* nodesOf(child);
  for (const [, bucket] of node.patterns?.entries() ?? []) {
    for (const edge of bucket) yield* nodesOf(edge.child);
  }
  if (node.wildcard !== undefined) yield* nodesOf(node.wildcard);
}

/** The fields the search reads instead of the persistent maps must say the same as they do. */
function assertDerivedFields(root: TrieNode): void {
  for (const node of nodesOf(root)) {
    assert.equal(node.literalMap, node.literals?.plain);
    assert.equal(node.patternMap, node.patterns?.plain);
    let lengths = 0;
    for (const [key] of node.patterns?.entries() ?? []) lengths |= 1 << key.length;
    assert.equal(node.patternLengths, lengths);
  }
}

describe('trie nodes', () => {
  it('keep their direct maps and pattern-length bits in step through inserts and removals', () => {
    // Tokens whose pattern buckets have keys of 0 to 3 characters, and enough literals under
    // one node (the first token) for its persistent map to gather a delta.
    const second = ['<*>ms', 'a<*>', 'ab<*>', 'abc<*>', 'abcd<*>', 'x<*>y', '<*>', 'lit'];
    const texts: string[] = [];
    for (let k = 0; k < 400; k++) texts.push(`w${k % 120} ${second[k % second.length] ?? ''} end${k % 3}`);
    let root = EMPTY_NODE;
    let sawPending = false;
    for (const [k, text] of texts.entries()) {
      root = insert(root, tokenize(text), 0, k + 1, undefined);
      if (root.literals !== undefined && root.literalMap === undefined) sawPending = true;
      if (k % 25 === 0) assertDerivedFields(root);
    }
    assertDerivedFields(root);
    assert.ok(sawPending, 'the root literal map should hold pending changes at some point');
    for (const [k, text] of texts.entries()) {
      if (k % 3 === 0) continue;
      root = remove(root, tokenize(text), 0, k + 1) ?? EMPTY_NODE;
      if (k % 25 === 1) assertDerivedFields(root);
    }
    assertDerivedFields(root);
    for (const [k, text] of texts.entries()) {
      if (k % 3 === 0) root = remove(root, tokenize(text), 0, k + 1) ?? EMPTY_NODE;
    }
    assert.equal(root.literals, undefined);
    assert.equal(root.patternLengths, 0);
  });
});
