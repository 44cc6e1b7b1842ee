// The pool of request threads on its own (no storage): a worker that dies is replaced and said
// in the log, the request it held is refused with a 503 (nothing of it was taken in), and the
// next request is served by the new worker.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/config.ts';
import { OverloadedError } from '../../../src/errors.ts';
import { createLogger } from '../../../src/logger.ts';
import { ThreadPool } from '../../../src/threads/pool.ts';

function pool(lines: string[]): ThreadPool {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return new ThreadPool({
    threads: 1,
    jobTimeoutMs: 30_000,
    limits: DEFAULT_LIMITS,
    lineFields: { on: false, offOrgs: [] },
    maxLogs: 100,
    bodyLimit: 1024 * 1024,
    templates: [],
    curations: [],
    orgIdleUnloadSecs: 0,
    logLevel: 'silent',
    frameRecords: false,
    logger: createLogger('info', sink),
  });
}

const body = (message: string) => Buffer.from(JSON.stringify({ logs: [{ org: 'acme', message }] }));

describe('ThreadPool', () => {
  it('replaces a worker that dies, refuses its request with 503 and serves the next', async () => {
    const lines: string[] = [];
    const threads = pool(lines);
    try {
      const held = threads.prepare(body('held when the thread dies'), 'json', undefined, Date.now());
      const [first] = threads.workers();
      await first!.terminate();
      await assert.rejects(
        held,
        (err: unknown) => err instanceof OverloadedError && err.retryAfterSecs === 1,
      );
      assert.equal(threads.stats().restarts, 1);
      assert.notEqual(threads.workers()[0], first);
      assert.ok(
        lines.some((line) => /a request thread died/.test(line)),
        `the log says so: ${lines.join('')}`,
      );

      const next = await threads.prepare(body('after the restart'), 'json', undefined, Date.now());
      assert.deepEqual([...next.orgRuns], ['acme']);
      assert.equal(next.misses[0]?.message, 'after the restart');
    } finally {
      await threads.stop(Date.now());
    }
  });

  it('refuses a malformed body with the error the main thread would give', async () => {
    const threads = pool([]);
    try {
      await assert.rejects(
        threads.prepare(Buffer.from('{"logs": ['), 'json', undefined, Date.now()),
        (err: unknown) =>
          (err as { code?: string }).code === 'MALFORMED_JSON' && (err as Error).name === 'BadRequestError',
      );
      await assert.rejects(
        threads.prepare(Buffer.from('not gzip'), 'json', 'gzip', Date.now()),
        (err: unknown) => (err as { code?: string }).code === 'INVALID_COMPRESSED_BODY',
      );
    } finally {
      await threads.stop(Date.now());
    }
  });
});
