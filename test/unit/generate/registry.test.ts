import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_GENERATE_STATS } from '../../../src/generate/stage.ts';
import { TemplateRegistry } from '../../../src/generate/registry.ts';
import type { LogRecord } from '../../../src/model/log.ts';
import type { Template } from '../../../src/model/template.ts';
import type { TemplateChange } from '../../../src/model/template-change.ts';
import { InProcessChannel } from '../../../src/transport/in-process.ts';

function held(org: string, message: string): { log: LogRecord } {
  return {
    log: { timestamp: 0, org, dashboard: '', service: '', host: '', level: 'INFO', message, metadata: {} },
  };
}

function template(org: string, id: number, text: string): Template {
  return { id, org, text, source: 'builtin', createdAt: 1, updatedAt: 1 };
}

function setup(options: { maxTemplatesPerOrg?: number; initial?: Template[] } = {}) {
  const templates = new InProcessChannel<TemplateChange>('templates');
  const published: TemplateChange[][] = [];
  templates.subscribe((changes) => published.push([...changes]));
  const saved: Template[] = [];
  const seeded: Template[] = [];
  const stats = { ...NO_GENERATE_STATS };
  const registry = new TemplateRegistry({
    initial: options.initial ?? [],
    generator: { source: 'openai', seed: (t) => seeded.push(...t) },
    templates,
    saveTemplates: (t) => saved.push(...t),
    maxTemplatesPerOrg: options.maxTemplatesPerOrg ?? 100,
    stats,
    now: () => 42,
  });
  return { registry, published, saved, seeded, stats };
}

const never = () => undefined;

describe('template registry', () => {
  it('accepts a checked proposal, publishes and saves it, and matches held lines with it', () => {
    const { registry, published, saved, stats } = setup();
    registry.accept('a', [{ text: 'took <*> ms' }, { text: '<*> <*>' }]);
    assert.equal(saved.length, 1);
    const made = saved[0]!;
    assert.deepEqual(
      [made.org, made.text, made.source, made.createdAt, made.updatedAt],
      ['a', 'took <*> ms', 'openai', 42, 42],
    );
    assert.deepEqual(published, [[{ kind: 'upsert', template: made }]]);
    assert.equal(stats.templatesCreated, 1);
    assert.equal(stats.proposalsRejected, 1, 'no constant text');

    const { rows } = registry.settle('a', [held('a', 'took 7 ms')], never);
    assert.deepEqual(
      rows.map((r) => [r.templateId, r.variables]),
      [[made.id, ['7']]],
    );
    const other = registry.settle('b', [held('b', 'took 7 ms')], never);
    assert.equal(other.retry.length, 1, "another org's line does not match org a's template");
  });

  it('does not add a proposal identical to a known template twice', () => {
    const { registry, saved } = setup({ initial: [template('a', 5, 'job <*> done')] });
    registry.accept('a', [{ text: 'job <*> done' }]);
    assert.deepEqual(saved, []);
  });

  it('merges a proposal that differs from a known template only where one has a variable', () => {
    const { registry, published, stats } = setup({
      initial: [template('a', 5, 'user <*> logged in from web')],
    });
    registry.accept('a', [{ text: 'user bob logged in from <*>' }]);
    assert.deepEqual(published, [
      [
        {
          kind: 'upsert',
          template: { ...template('a', 5, 'user <*> logged in from <*>'), updatedAt: 42 },
        },
      ],
    ]);
    assert.equal(stats.templatesMerged, 1);
    assert.equal(stats.templatesCreated, 0);
    assert.equal(stats.templatesUpdated, 1);
    const { rows } = registry.triage('a', [held('a', 'user carol logged in from vpn')]);
    assert.deepEqual(
      rows.map((r) => r.templateId),
      [5],
    );
  });

  it('widens a known template for a line its shapes refused when the answer holds the refused value in a variable', () => {
    const known = { ...template('a', 5, 'auth rhost=<*> user=<*>'), shapes: '1-1/4 1-1/2' };
    const { registry, saved, stats } = setup({ initial: [known] });
    // A host name was seen, an address is refused; the answer keeps it a variable.
    registry.accept('a', [{ text: 'auth rhost=<*> user=guest' }], ['auth rhost=10.0.0.9 user=guest']);
    assert.deepEqual(
      saved.map((t) => [t.id, t.text, t.shapes]),
      [[5, 'auth rhost=<*> user=<*>', '1-1/5 1-1/2']],
    );
    assert.equal(stats.templatesWidened, 1);
    assert.equal(stats.templatesCreated, 0);
  });

  it("adds the answer as usual when it takes a line no known template's text takes", () => {
    const known = { ...template('a', 5, 'auth rhost=<*> user=<*>'), shapes: '1-1/4 1-1/2' };
    const { registry, saved, stats } = setup({ initial: [known] });
    registry.accept(
      'a',
      [{ text: 'auth <*> user=guest' }],
      ['auth rhost=10.0.0.9 user=guest', 'auth lhost=10.0.0.9 user=guest'],
    );
    assert.deepEqual(
      saved.map((t) => t.text),
      ['auth <*> user=guest'],
    );
    assert.equal(stats.templatesWidened, 0, 'the known template is left as it was');
  });

  it('merges near-duplicates proposed in one answer into one template', () => {
    const { registry, saved, stats } = setup();
    registry.accept('a', [{ text: 'disk <*> full' }, { text: 'disk sda <*>' }]);
    assert.deepEqual(
      saved.map((t) => t.text),
      ['disk <*> <*>'],
    );
    assert.equal(stats.templatesCreated, 1);
    assert.equal(stats.templatesMerged, 1);
  });

  it('at the per-org cap stores unmatched lines at once, leaving nothing to ask the generator', () => {
    const { registry, stats } = setup({
      maxTemplatesPerOrg: 1,
      initial: [template('a', 5, 'job <*> done')],
    });
    const { rows, ask } = registry.triage('a', [held('a', 'job 1 done'), held('a', 'something else')]);
    assert.deepEqual(ask, []);
    assert.deepEqual(
      rows.map((r) => [r.message, r.templateId]),
      [
        ['job 1 done', 5],
        ['something else', 0],
      ],
    );
    assert.equal(stats.templateCapLines, 1);
    assert.equal(stats.storedWithoutTemplate, 1);
    assert.deepEqual(registry.templateCapByOrg(), { a: 1 });

    const other = registry.triage('b', [held('b', 'something else')]);
    assert.equal(other.ask.length, 1, 'the cap is per org');
  });

  it('refuses a new template beyond the cap, but still refines a known one', () => {
    const { registry, saved, stats } = setup({
      maxTemplatesPerOrg: 1,
      initial: [template('a', 5, 'job <*> done')],
    });
    registry.accept('a', [{ text: 'new kind <*>' }, { id: 5, text: 'job <*> done in <*>' }]);
    assert.deepEqual(
      saved.map((t) => [t.id, t.text, t.createdAt]),
      [[5, 'job <*> done in <*>', 1]],
    );
    assert.equal(stats.proposalsRejected, 1);
  });

  it('after generation, stores a line without a template only when told to give up on it', () => {
    const { registry, stats } = setup();
    const first = held('a', 'odd line');
    const second = held('a', 'other line');
    const { rows, retry } = registry.settle('a', [first, second], (item) =>
      item === first ? 'no_template_fit' : undefined,
    );
    assert.deepEqual(
      rows.map((r) => [r.message, r.templateId]),
      [['odd line', 0]],
    );
    assert.deepEqual(retry, [second]);
    assert.equal(stats.storedWithoutTemplate, 1);
    assert.equal(stats.templateCapLines, 0);
  });

  it('tells the generator of each template it takes in, once: not again when the change comes back from elsewhere', () => {
    const { registry, published, seeded, saved } = setup();
    registry.accept('a', [{ text: 'took <*> ms' }]);
    assert.deepEqual(seeded, saved, "an LLM generator's miner fallback learns the template");
    registry.follow(published.flat());
    assert.deepEqual(seeded, saved, 'the change it made itself is not applied again');
  });

  it('follows templates made and deleted by other generators', () => {
    const { registry, seeded, saved } = setup();
    const theirs = template('a', 9, 'cache <*> miss');
    registry.follow([{ kind: 'upsert', template: theirs }]);
    assert.deepEqual(seeded, [theirs]);
    assert.deepEqual(
      registry.triage('a', [held('a', 'cache L2 miss')]).rows.map((r) => r.templateId),
      [9],
    );
    registry.accept('a', [{ text: 'cache <*> miss' }]);
    assert.deepEqual(saved, [], 'a proposal identical to the followed template is not added');

    registry.follow([{ kind: 'delete', org: 'a', id: 9 }]);
    assert.equal(registry.triage('a', [held('a', 'cache L2 miss')]).ask.length, 1);
  });
});
