import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BuiltinGenerator } from '../../../src/generate/builtin/index.ts';
import { MatcherSnapshot } from '../../../src/match/index.ts';

describe('BuiltinGenerator', () => {
  it('describes itself', () => {
    const generator = new BuiltinGenerator();
    assert.equal(generator.source, 'builtin');
    assert.deepEqual(generator.batching, { maxLines: 250, maxWaitMs: 0 });
  });

  it('proposes one template per cluster, with its final text, covering every line', async () => {
    const generator = new BuiltinGenerator();
    const lines = [
      'Login by root from console',
      'Disk is full on sda host 1',
      'Login by alice from console',
      'Disk is full on sdb host 2',
      'Login by bob from console',
    ];
    const proposed = await generator.generate('acme', lines);
    assert.equal(proposed.length, 2);
    assert.deepEqual(proposed.map((template) => template.text).sort(), [
      'Disk is full on <*> host <*>',
      'Login by <*> from console',
    ]);
    const snapshot = MatcherSnapshot.empty().withChanges(
      proposed.map((template) => ({
        id: template.id ?? 0,
        org: 'acme',
        text: template.text,
        source: 'builtin' as const,
        createdAt: 0,
        updatedAt: 0,
      })),
    );
    for (const line of lines) assert.ok(snapshot.match('acme', line), line);
  });

  it('refines seeded templates under their own id', async () => {
    const generator = new BuiltinGenerator();
    generator.seed([
      {
        id: 5,
        org: 'acme',
        text: 'Login by root from console',
        source: 'builtin',
        createdAt: 0,
        updatedAt: 0,
      },
    ]);
    assert.deepEqual(await generator.generate('acme', ['Login by alice from console']), [
      { id: 5, text: 'Login by <*> from console' },
    ]);
  });

  it('stops when aborted', async () => {
    const generator = new BuiltinGenerator();
    await assert.rejects(generator.generate('acme', ['x'], AbortSignal.abort()));
  });
});

describe('BuiltinGenerator and folded clusters', () => {
  it('does not propose a cluster folded into another in the same batch; the survivor covers its lines', async () => {
    const generator = new BuiltinGenerator();
    const lines = ['alice', 'bob', 'carol', 'dave'].map(
      (user, k) => `auth ok: ${user} 10.0.0.${k} port 22${k}`,
    );
    const proposed = await generator.generate('acme', lines);
    assert.deepEqual(
      proposed.map((template) => template.text),
      ['auth ok: <*> <*> port <*>'],
    );
    const snapshot = MatcherSnapshot.empty().withChanges(
      proposed.map((template) => ({
        id: template.id ?? 0,
        org: 'acme',
        text: template.text,
        source: 'builtin' as const,
        createdAt: 0,
        updatedAt: 0,
      })),
    );
    for (const line of lines) assert.ok(snapshot.match('acme', line), line);
  });
});
