import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProposedTemplate, TemplateGenerator } from '../../../src/generate/generator.ts';
import { startGenerate } from '../../../src/generate/stage.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, StoredLog } from '../../../src/model/log.ts';
import type { Template } from '../../../src/model/template.ts';
import type { TemplateChange } from '../../../src/model/template-change.ts';
import { InProcessChannel } from '../../../src/transport/in-process.ts';

/** A generator that replaces each number with <*>, and records what it was asked. */
class DigitsGenerator implements TemplateGenerator {
  readonly source = 'builtin' as const;
  readonly batching: { maxLines: number; maxWaitMs: number };
  calls: string[][] = [];
  answer: ((lines: readonly string[]) => Promise<ProposedTemplate[]>) | undefined;
  constructor(maxLines = 10, maxWaitMs = 0) {
    this.batching = { maxLines, maxWaitMs };
  }
  seed(): void {}
  generate(_org: string, lines: readonly string[]): Promise<ProposedTemplate[]> {
    this.calls.push([...lines]);
    if (this.answer !== undefined) return this.answer(lines);
    return Promise.resolve(
      [...new Set(lines.map((l) => l.replace(/\d+/g, '<*>')))].map((text) => ({ text })),
    );
  }
}

function log(org: string, message: string): LogRecord {
  return { timestamp: 0, org, dashboard: '', service: '', host: '', level: 'INFO', message, metadata: {} };
}

function setup(
  generator: DigitsGenerator,
  options: { queueMaxLogs?: number; maxTemplatesPerOrg?: number; initial?: Template[] } = {},
) {
  const warnings: Array<Record<string, unknown>> = [];
  const logger = createLogger('warn', {
    write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>),
  });
  const channels = {
    unmatched: new InProcessChannel<LogRecord>('unmatched'),
    matched: new InProcessChannel<StoredLog>('matched'),
    templates: new InProcessChannel<TemplateChange>('templates'),
  };
  const stored: StoredLog[] = [];
  const published: TemplateChange[] = [];
  const saved: Template[] = [];
  channels.matched.subscribe((rows) => stored.push(...rows));
  channels.templates.subscribe((changes) => published.push(...changes));
  const stage = startGenerate(
    {
      queueMaxLogs: options.queueMaxLogs ?? 1000,
      maxTemplatesPerOrg: options.maxTemplatesPerOrg ?? 1000,
      maxConcurrentBatches: 2,
    },
    {
      generator,
      channels,
      saveTemplates: (t) => saved.push(...t),
      initial: options.initial ?? [],
      logger,
    },
  );
  return { stage, channels, stored, published, saved, warnings };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('generate stage', () => {
  it('stores a batch whose templates could not be taken in, instead of losing it', async () => {
    const generator = new DigitsGenerator();
    const { stage, channels, stored } = setup(generator);
    channels.templates.subscribe(() => {
      throw new Error('a downstream failure while publishing');
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      channels.unmatched.publish([log('a', 'took 12 ms'), log('a', 'took 7 ms')]);
      await settle();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
    assert.deepEqual(stored.map((r) => r.message).sort(), ['took 12 ms', 'took 7 ms']);
    assert.equal(stage.stats().generationErrors, 1);
  });

  it('makes a template for held logs, publishes and saves it, and stores the logs with it', async () => {
    const generator = new DigitsGenerator();
    const { stage, channels, stored, published, saved } = setup(generator);
    channels.unmatched.publish([log('a', 'took 12 ms'), log('a', 'took 7 ms')]);
    await settle();
    assert.equal(generator.calls.length, 1);
    assert.equal(published.length, 1);
    assert.equal(saved.length, 1);
    const template = saved[0]!;
    assert.equal(template.text, 'took <*> ms');
    assert.equal(template.org, 'a');
    assert.deepEqual(
      stored.map((r) => [r.message, r.templateId, r.variables]),
      [
        ['took 12 ms', template.id, ['12']],
        ['took 7 ms', template.id, ['7']],
      ],
    );
    assert.equal(stage.stats().queueDepth, 0);
    await stage.stop(Date.now() + 1000);
  });

  it('does not ask again for logs that a template made in the meantime already matches', async () => {
    const generator = new DigitsGenerator(2);
    const { stage, channels, stored } = setup(generator);
    channels.unmatched.publish([
      log('a', 'job 1 done'),
      log('a', 'job 2 done'),
      log('a', 'job 3 done'),
      log('a', 'job 4 done'),
    ]);
    await settle();
    assert.equal(generator.calls.length, 1, "the second batch matched the first batch's template");
    assert.equal(stored.length, 4);
    assert.equal(new Set(stored.map((r) => r.templateId)).size, 1);
    await stage.stop(Date.now() + 1000);
  });

  it('stores logs without a template (id 0) when generation fails', async () => {
    const generator = new DigitsGenerator();
    generator.answer = () => Promise.reject(new Error('model unavailable'));
    const { stage, channels, stored } = setup(generator);
    channels.unmatched.publish([log('a', 'boom 1')]);
    await settle();
    assert.deepEqual(
      stored.map((r) => [r.message, r.templateId]),
      [['boom 1', 0]],
    );
    assert.equal(stage.stats().generationErrors, 1);
    await stage.stop(Date.now() + 1000);
  });

  it('rejects a template with no constant text and stores the logs without one after retrying', async () => {
    const generator = new DigitsGenerator();
    generator.answer = () => Promise.resolve([{ text: '<*> <*>' }]);
    const { stage, channels, stored, saved, warnings } = setup(generator);
    channels.unmatched.publish([log('a', 'x y')]);
    await settle();
    assert.equal(saved.length, 0);
    assert.ok(stage.stats().proposalsRejected >= 1);
    assert.equal(stage.stats().rejectedNoConstantText, stage.stats().proposalsRejected);
    // Said, with its reason and org, and without the org's text.
    const refused = warnings.filter((w) => w['reason'] === 'no_constant_text');
    assert.equal(refused.length, stage.stats().rejectedNoConstantText);
    assert.equal(refused[0]?.['org'], 'a');
    assert.ok(!JSON.stringify(refused).includes('<*> <*>'));
    assert.equal(generator.calls.length, 2, 'asked once more before giving up');
    assert.deepEqual(
      stored.map((r) => r.templateId),
      [0],
    );
    await stage.stop(Date.now() + 1000);
  });

  it('keeps templates private to their org', async () => {
    const generator = new DigitsGenerator();
    const { stage, channels, stored } = setup(generator);
    channels.unmatched.publish([log('a', 'user 5 in')]);
    await settle();
    channels.unmatched.publish([log('b', 'user 6 in')]);
    await settle();
    assert.equal(generator.calls.length, 2, 'org b got its own template');
    assert.notEqual(stored[0]?.templateId, stored[1]?.templateId);
    await stage.stop(Date.now() + 1000);
  });

  it('refuses new templates beyond the per-org cap and stores their lines without one', async () => {
    const generator = new DigitsGenerator();
    const { stage, channels, stored, saved } = setup(generator, { maxTemplatesPerOrg: 1 });
    channels.unmatched.publish([log('a', 'first kind 1')]);
    await settle();
    channels.unmatched.publish([log('a', 'second kind 2'), log('b', 'other org 3')]);
    await settle();
    assert.deepEqual(
      saved.map((t) => [t.org, t.text]),
      [
        ['a', 'first kind <*>'],
        ['b', 'other org <*>'],
      ],
    );
    const second = stored.find((r) => r.message === 'second kind 2');
    assert.equal(second?.templateId, 0);
    await stage.stop(Date.now() + 1000);
  });

  it("sends a batch as soon as it is full, not when its first line's timer runs out", async () => {
    const generator = new DigitsGenerator(10, 60_000);
    const { stage, channels, stored } = setup(generator);
    channels.unmatched.publish([log('a', 'kind 0 a')]);
    await settle();
    assert.equal(generator.calls.length, 0, 'one line waits for more');
    channels.unmatched.publish(Array.from({ length: 10 }, (_, i) => log('a', `kind ${i} b${i}`)));
    await settle();
    assert.equal(generator.calls.length, 1);
    assert.equal(generator.calls[0]?.length, 10);
    await stage.stop(Date.now() + 1000);
    assert.equal(stored.length, 11);
  });

  it('keeps one batch per org in flight, so a template being made is not asked for twice', async () => {
    const generator = new DigitsGenerator(2);
    let running = 0;
    let most = 0;
    generator.answer = (lines) => {
      running++;
      most = Math.max(most, running);
      return new Promise((resolve) =>
        setTimeout(() => {
          running--;
          resolve([...new Set(lines.map((l) => l.replace(/\d+/g, '<*>')))].map((text) => ({ text })));
        }, 5),
      );
    };
    const { stage, channels, stored } = setup(generator);
    channels.unmatched.publish(Array.from({ length: 6 }, (_, i) => log('a', `same kind ${i}`)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(most, 1);
    assert.equal(generator.calls.length, 1, "the later batches matched the first batch's template");
    assert.equal(stored.length, 6);
    await stage.stop(Date.now() + 1000);
  });

  it('merges a template that differs from a known one only where one has a variable', async () => {
    const generator = new DigitsGenerator();
    const answers = [['user <*> logged in from web'], ['user bob logged in from <*>']];
    generator.answer = () => Promise.resolve((answers.shift() ?? []).map((text) => ({ text })));
    const { stage, channels, stored, saved } = setup(generator);
    channels.unmatched.publish([log('a', 'user 1 logged in from web')]);
    await settle();
    channels.unmatched.publish([log('a', 'user bob logged in from vpn')]);
    await settle();
    assert.deepEqual(
      saved.map((t) => t.text),
      ['user <*> logged in from web', 'user <*> logged in from <*>'],
    );
    assert.equal(saved[0]?.id, saved[1]?.id, 'refined under the same id, not added');
    assert.equal(new Set(stored.map((r) => r.templateId)).size, 1);
    assert.equal(stage.stats().templatesMerged, 1);
    await stage.stop(Date.now() + 1000);
  });

  it('reports no room at its ceiling', async () => {
    const generator = new DigitsGenerator(10, 60_000);
    const { stage, channels } = setup(generator, { queueMaxLogs: 3 });
    channels.unmatched.publish([log('a', '1'), log('a', '2')]);
    assert.equal(stage.hasRoom(), true);
    channels.unmatched.publish([log('a', '3')]);
    assert.equal(stage.hasRoom(), false);
    await stage.stop(Date.now() + 1000);
  });

  it('leaves no timer behind when stop() waited for a batch in flight', async () => {
    const generator = new DigitsGenerator(10, 0);
    const slow = generator.answer;
    generator.answer = (lines) =>
      new Promise((resolve) => setTimeout(() => resolve(slow?.(lines) ?? [{ text: 'late <*>' }]), 10));
    const { stage, channels, stored } = setup(generator);
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    channels.unmatched.publish([log('a', 'late 1')]);
    await new Promise((resolve) => setImmediate(resolve));
    await stage.stop(Date.now() + 60_000);
    assert.equal(stored.length, 1);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.equal(timersAfter, timersBefore, 'a timer would keep the process alive until the deadline');
  });

  it('on stop, generates for held logs at once, and past the deadline stores them without a template', async () => {
    const generator = new DigitsGenerator(10, 60_000);
    const { stage, channels, stored } = setup(generator);
    channels.unmatched.publish([log('a', 'step 1 ok')]);
    await stage.stop(Date.now() + 1000);
    assert.equal(stored.length, 1);
    assert.ok(stored[0]!.templateId > 0);

    const stuck = new DigitsGenerator(10, 60_000);
    stuck.answer = () => new Promise(() => {});
    const second = setup(stuck);
    second.channels.unmatched.publish([log('a', 'hang 1')]);
    await second.stage.stop(Date.now() + 100);
    assert.deepEqual(
      second.stored.map((r) => r.templateId),
      [0],
    );
  });
});
