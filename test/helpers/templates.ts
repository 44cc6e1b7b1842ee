import assert from 'node:assert/strict';
import type { ProposedTemplate } from '../../src/generate/generator.ts';
import { MatcherSnapshot } from '../../src/match/index.ts';

/** Every line is matched by one of the proposals: nothing was lost. */
export function assertCovers(
  org: string,
  proposals: readonly ProposedTemplate[],
  lines: readonly string[],
): void {
  const snapshot = MatcherSnapshot.empty().withChanges(
    proposals.map((p, k) => ({
      id: p.id ?? k + 1,
      org,
      text: p.text,
      source: 'builtin',
      createdAt: 0,
      updatedAt: 0,
    })),
  );
  for (const line of lines)
    assert.notEqual(snapshot.match(org, line), undefined, `no template matches ${line}`);
}
