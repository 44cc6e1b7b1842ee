import assert from 'node:assert/strict';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { zeroStats } from '../../../../src/counters.ts';
import { BadRequestError, OverloadedError, RateLimitedError, type AppError } from '../../../../src/errors.ts';
import type { SubmittedLogs } from '../../../../src/ingest/body.ts';
import type { IngestResult, IngestStage } from '../../../../src/ingest/stage.ts';
import { createLogger } from '../../../../src/logger.ts';
import { SYSLOG_COUNTERS, type SyslogStats } from '../../../../src/protocols/syslog/counters.ts';
import { SyslogFeed } from '../../../../src/protocols/syslog/feed.ts';

type Answer = IngestResult | Promise<IngestResult> | AppError;

/** An ingest stage that records each batch and answers what the test says, else accepts. */
function standIn(answers: Answer[] = [], refusals: (AppError | undefined)[] = []) {
  const batches: unknown[][] = [];
  const stage: IngestStage = {
    maxLogs: 10_000,
    ingest(submitted: SubmittedLogs) {
      batches.push(submitted.items);
      const answer = answers.shift() ?? { accepted: submitted.items.length, matched: 0, failed: 0 };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    ingestPrepared: () => {
      throw new Error('not used: syslog validates on the main thread');
    },
    refusal: () => refusals.shift(),
    close: () => undefined,
    stats: () => {
      throw new Error('not used');
    },
  };
  return { stage, batches };
}

function feedOf(stage: IngestStage, tcp: boolean) {
  const stats: SyslogStats = { ...zeroStats(SYSLOG_COUNTERS) };
  const reads: string[] = [];
  const reader = tcp ? { pause: () => reads.push('pause'), resume: () => reads.push('resume') } : undefined;
  const feed = new SyslogFeed(
    { ingest: stage, org: 'acme', stats, logger: createLogger('silent'), now: Date.now },
    reader,
  );
  const add = (n: number, text = '<13>m') => {
    for (let i = 0; i < n; i++) feed.add(Buffer.from(`${text} ${i}`), '10.0.0.1');
  };
  return { feed, stats, reads, add };
}

describe('the syslog feed into the ingest stage', () => {
  it('gathers a turn of messages into batches of at most 1000', async () => {
    const { stage, batches } = standIn();
    const { stats, add } = feedOf(stage, true);
    add(2500);
    await turn();
    assert.deepEqual(
      batches.map((b) => b.length),
      [1000, 1000, 500],
    );
    assert.deepEqual([stats.received, stats.accepted], [2500, 2500]);
    assert.deepEqual((batches[0]![0] as { org: string; message: string }).message, 'm 0');
  });

  it('TCP: a full service stops the reader, nothing is parsed, and the batch goes in once there is room', async () => {
    const { stage, batches } = standIn([], [new OverloadedError('full', 0.05)]);
    const { stats, reads, add } = feedOf(stage, true);
    add(3);
    await turn();
    assert.deepEqual([batches.length, reads, stats.pauses], [0, ['pause'], 1]);
    await sleep(80);
    assert.deepEqual([batches.length, reads, stats.accepted], [1, ['pause', 'resume'], 3]);
  });

  it('TCP: an org over its rate holds the parsed batch and tries it again after the wait', async () => {
    const { stage, batches } = standIn([new RateLimitedError('acme', 'slow down', 0.05, 10)]);
    const { stats, reads, add } = feedOf(stage, true);
    add(2, 'no pri');
    await turn();
    assert.deepEqual([batches.length, reads, stats.accepted], [1, ['pause'], 0]);
    await sleep(80);
    assert.deepEqual([batches.length, reads, stats.accepted, stats.unparsed], [2, ['pause', 'resume'], 2, 2]);
    assert.equal(stats.droppedRateLimited, 0);
  });

  it('UDP: over the rate a batch is halved, so what the rate allows is taken and only the rest dropped; a full service drops', async () => {
    const limited = () => new RateLimitedError('acme', 'slow down', 1, 10);
    // Four logs refused whole; of the halves the first is taken, the second refused, its first
    // log taken and the last refused: one log is over the rate.
    const { stage, batches } = standIn(
      [
        limited(),
        { accepted: 2, matched: 0, failed: 0 },
        limited(),
        { accepted: 1, matched: 0, failed: 0 },
        limited(),
      ],
      [undefined, new OverloadedError('full', 1)],
    );
    const { stats, add } = feedOf(stage, false);
    add(4);
    await turn();
    add(3);
    await turn();
    assert.deepEqual(
      batches.map((b) => b.length),
      [4, 2, 2, 1, 1],
    );
    assert.deepEqual(
      [stats.received, stats.accepted, stats.droppedRateLimited, stats.droppedFull],
      [7, 3, 1, 3],
    );
  });

  it('UDP: with no room in the rate at all, a batch costs a few tries, not one per log', async () => {
    const { stage, batches } = standIn(
      Array.from({ length: 50 }, () => new RateLimitedError('acme', 'slow down', 1, 10)),
    );
    const { stats, add } = feedOf(stage, false);
    add(64);
    await turn();
    assert.equal(batches.length, 7, '64, 32, 16, 8, 4, 2, 1');
    assert.deepEqual([stats.accepted, stats.droppedRateLimited], [0, 64]);
  });

  it('Kafka mode: the reader waits for the broker; invalid and non-UTF-8 messages are counted', async () => {
    let ack!: (r: IngestResult) => void;
    const pending = new Promise<IngestResult>((resolve) => (ack = resolve));
    const { stage, batches } = standIn([pending, new BadRequestError('EMPTY_FIELD', 'empty')]);
    const { feed, stats, reads, add } = feedOf(stage, true);
    add(2);
    await turn();
    assert.deepEqual(reads, ['pause']);
    add(1);
    feed.add(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff]), '10.0.0.1');
    await turn();
    assert.equal(batches.length, 1, 'nothing more while the broker has the batch');
    ack({ accepted: 1, matched: 0, failed: 1 });
    await sleep(5);
    await feed.finish();
    assert.deepEqual(reads, ['pause', 'resume']);
    assert.deepEqual([stats.received, stats.accepted, stats.invalid], [4, 1, 1 + 1 + 1]);
  });

  it('drain() (the socket closed) waits out a refusal, hands everything on, and does not resume reading', async () => {
    const { stage, batches } = standIn([new OverloadedError('full', 0.05)]);
    const { feed, stats, reads, add } = feedOf(stage, true);
    add(4);
    await turn();
    const drained = feed.drain();
    await drained;
    assert.deepEqual([batches.length, stats.accepted, stats.droppedFull, reads], [2, 4, 0, ['pause']]);
  });

  it('finish() hands on what is held, and drops (counted) what is still refused', async () => {
    const { stage } = standIn([new OverloadedError('full', 60), new OverloadedError('full', 60)]);
    const { feed, stats, add } = feedOf(stage, true);
    add(5);
    await turn();
    assert.equal(stats.pauses, 1);
    await feed.finish();
    assert.deepEqual([stats.accepted, stats.droppedFull], [0, 5]);
  });
});
