import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProposedTemplate } from '../../../src/generate/generator.ts';
import { HeldQueue, MAX_ATTEMPTS, type HeldLog, type Placement } from '../../../src/generate/held-queue.ts';
import { NO_GENERATE_STATS } from '../../../src/generate/stage.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, StoredLog } from '../../../src/model/log.ts';
import type { UntemplatedReason } from '../../../src/model/untemplated.ts';
import { toStoredLog } from '../../../src/match/stage.ts';
import { InProcessChannel } from '../../../src/transport/in-process.ts';

function log(org: string, message: string): LogRecord {
  return { timestamp: 0, org, dashboard: '', service: '', host: '', level: 'INFO', message, metadata: {} };
}

/** A stand-in for the template registry: a proposal's text matches exactly that line, as template 1. */
class ExactLines implements Placement {
  readonly known = new Set<string>();
  triage(org: string, items: readonly HeldLog[]): { rows: StoredLog[]; ask: HeldLog[] } {
    const rows = items.filter((i) => this.matches(i)).map((i) => this.row(i));
    return { rows, ask: items.filter((i) => !this.matches(i)) };
  }
  accept(org: string, proposals: readonly ProposedTemplate[]): void {
    for (const p of proposals) this.known.add(`${org}/${p.text}`);
  }
  settle(org: string, items: readonly HeldLog[], giveUp: (item: HeldLog) => UntemplatedReason | undefined) {
    const rows: StoredLog[] = [];
    const retry: HeldLog[] = [];
    for (const item of items) {
      if (this.matches(item)) rows.push(this.row(item));
      else {
        const reason = giveUp(item);
        if (reason === undefined) retry.push(item);
        else rows.push(toStoredLog(item.log, reason));
      }
    }
    return { rows, retry };
  }
  private matches(item: HeldLog): boolean {
    return this.known.has(`${item.log.org}/${item.log.message}`);
  }
  private row(item: HeldLog): StoredLog {
    return toStoredLog(item.log, { templateId: 1, variables: [] });
  }
}

interface Call {
  org: string;
  lines: string[];
  resolve: (proposals: ProposedTemplate[]) => void;
  reject: (err: Error) => void;
}

/** A generator whose every call waits until the test answers it. */
class HeldGenerator {
  readonly batching: { maxLines: number; maxWaitMs: number };
  readonly calls: Call[] = [];
  constructor(maxLines: number, maxWaitMs: number) {
    this.batching = { maxLines, maxWaitMs };
  }
  generate(org: string, lines: readonly string[]): Promise<ProposedTemplate[]> {
    return new Promise((resolve, reject) => this.calls.push({ org, lines: [...lines], resolve, reject }));
  }
}

function setup(
  generator: HeldGenerator,
  options: { queueMaxLogs?: number; maxConcurrentBatches?: number } = {},
) {
  const matched = new InProcessChannel<StoredLog>('matched');
  const stored: StoredLog[] = [];
  matched.subscribe((rows) => stored.push(...rows));
  const placement = new ExactLines();
  const stats = { ...NO_GENERATE_STATS };
  const queue = new HeldQueue(
    {
      queueMaxLogs: options.queueMaxLogs ?? 1000,
      maxConcurrentBatches: options.maxConcurrentBatches ?? 2,
    },
    { generator, placement, matched, stats, logger: createLogger('silent'), now: Date.now },
  );
  return { queue, placement, stored, stats };
}

/** The first line of each batch the generator was asked for, in order. */
const asked = (generator: HeldGenerator) => generator.calls.map((c) => c.lines[0]);

/** Answers the batch starting with `line` with a template for that line. */
function answer(generator: HeldGenerator, line: string): void {
  generator.calls.find((c) => c.lines[0] === line)!.resolve([{ text: line }]);
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('held-log queue', () => {
  it('reports no room at the ceiling, counting the logs in a batch being generated', async () => {
    const generator = new HeldGenerator(2, 60_000);
    const { queue } = setup(generator, { queueMaxLogs: 3 });
    queue.add([log('a', 'one')]);
    assert.equal(queue.hasRoom(), true);
    queue.add([log('a', 'two')]);
    await tick();
    assert.equal(generator.calls.length, 1, 'a full batch went to the generator');
    assert.equal(queue.inFlightBatches, 1);
    assert.equal(queue.hasRoom(), true);
    queue.add([log('b', 'three')]);
    assert.equal(queue.depth, 3);
    assert.equal(queue.hasRoom(), false);
    await queue.stop(Date.now() + 20);
    assert.equal(queue.hasRoom(), true);
  });

  it('batches per org: a full batch goes at once, a partial one waits for its timer', async () => {
    const generator = new HeldGenerator(2, 30);
    const { queue, stored } = setup(generator);
    queue.add([log('a', 'a1'), log('b', 'b1'), log('a', 'a2')]);
    await tick();
    assert.deepEqual(
      generator.calls.map((c) => [c.org, c.lines]),
      [['a', ['a1', 'a2']]],
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(
      generator.calls.map((c) => [c.org, c.lines]),
      [
        ['a', ['a1', 'a2']],
        ['b', ['b1']],
      ],
    );
    for (const call of generator.calls) call.resolve(call.lines.map((text) => ({ text })));
    await tick();
    assert.deepEqual(stored.map((r) => [r.message, r.templateId]).sort(), [
      ['a1', 1],
      ['a2', 1],
      ['b1', 1],
    ]);
    assert.equal(queue.depth, 0);
  });

  it("keeps one batch per org in flight: the org's next batch waits for it, though a slot is free", async () => {
    const generator = new HeldGenerator(1, 0);
    const { queue } = setup(generator, { maxConcurrentBatches: 2 });
    queue.add([log('a', 'a1'), log('a', 'a2')]);
    // Long enough for a second batch to go if it wrongly could: its timer starts only once
    // the first batch has gone, so a 5 ms tick may come first on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(asked(generator), ['a1']);
    answer(generator, 'a1');
    await tick();
    assert.deepEqual(asked(generator), ['a1', 'a2']);
    await queue.stop(Date.now() + 10);
  });

  it('keeps at most maxConcurrentBatches in flight; orgs parked for a slot go in arrival order', async () => {
    const generator = new HeldGenerator(1, 0);
    const { queue } = setup(generator, { maxConcurrentBatches: 1 });
    queue.add([log('a', 'a1'), log('b', 'b1'), log('c', 'c1')]);
    await tick();
    assert.deepEqual(asked(generator), ['a1']);
    answer(generator, 'a1');
    await tick();
    assert.deepEqual(asked(generator), ['a1', 'b1']);
    answer(generator, 'b1');
    await tick();
    assert.deepEqual(asked(generator), ['a1', 'b1', 'c1']);
    await queue.stop(Date.now() + 10);
  });

  it(`asks ${MAX_ATTEMPTS} times for a line no template covers, then stores it without one`, async () => {
    const generator = new HeldGenerator(10, 0);
    const { queue, stored, stats } = setup(generator);
    queue.add([log('a', 'odd')]);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      await tick();
      assert.equal(stored.length, 0);
      generator.calls[attempt]!.resolve([]);
    }
    await tick();
    assert.equal(generator.calls.length, MAX_ATTEMPTS);
    assert.deepEqual(
      stored.map((r) => [r.message, r.templateId, r.untemplatedReason]),
      [['odd', 0, 'no_template_fit']],
    );
    assert.equal(stats.batches, MAX_ATTEMPTS);
    assert.equal(stats.retries, MAX_ATTEMPTS - 1);
    assert.equal(queue.depth, 0);
  });

  it('stores a failed batch without a template at once, without another attempt', async () => {
    const generator = new HeldGenerator(10, 0);
    const { queue, stored, stats } = setup(generator);
    queue.add([log('a', 'boom')]);
    await tick();
    generator.calls[0]!.reject(new Error('model unavailable'));
    await tick();
    assert.equal(generator.calls.length, 1);
    assert.deepEqual(
      stored.map((r) => [r.templateId, r.untemplatedReason]),
      [[0, 'generator_failed']],
    );
    assert.equal(stats.generationErrors, 1);
  });

  it('flush() dispatches waiting batches at once and resolves when every log has gone on', async () => {
    const generator = new HeldGenerator(10, 60_000);
    const { queue, placement, stored } = setup(generator);
    placement.known.add('a/known');
    queue.add([log('a', 'known'), log('a', 'new')]);
    const flushed = queue.flush();
    await tick();
    assert.deepEqual(
      generator.calls.map((c) => c.lines),
      [['new']],
      'the line a template already matches is not asked for',
    );
    generator.calls[0]!.resolve([{ text: 'new' }]);
    await flushed;
    assert.deepEqual(
      stored.map((r) => [r.message, r.templateId]),
      [
        ['known', 1],
        ['new', 1],
      ],
    );
  });

  it('at the stop deadline stores a batch in flight without a template, and ignores its late answer', async () => {
    const generator = new HeldGenerator(1, 60_000);
    const { queue, placement, stored } = setup(generator);
    queue.add([log('a', 'slow')]);
    await queue.stop(Date.now() + 30);
    assert.equal(generator.calls.length, 1, 'stop() dispatched the waiting batch at once');
    assert.deepEqual(
      stored.map((r) => [r.message, r.templateId, r.untemplatedReason]),
      [['slow', 0, 'shutdown']],
    );
    assert.equal(queue.depth, 0);
    assert.equal(queue.inFlightBatches, 0);
    generator.calls[0]!.resolve([{ text: 'slow' }]);
    await tick();
    assert.equal(stored.length, 1, 'no log is stored twice');
    assert.equal(placement.known.size, 0, 'the late answer was not taken in');
  });
});
