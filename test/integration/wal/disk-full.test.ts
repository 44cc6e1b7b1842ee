// A full disk under the write-ahead log: a real, small filesystem (tmpfs in a private mount
// namespace, so nothing outside the service sees it) that the WAL fills before storage has
// written anything. Requests then get 503, nothing refused is stored, nothing acknowledged is
// lost, and ingestion recovers once storage writes the logs and their segments are deleted.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startStore } from '../../../src/store/stage.ts';
import { freePort, ROOT, waitUntilUp } from '../../helpers/process.ts';
import { makeDataDir } from '../../helpers/service.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Whether this machine lets an unprivileged test mount a tmpfs in its own namespace. */
function canMountTmpfs(): boolean {
  const probe = spawnSync(
    'unshare',
    ['--user', '--map-root-user', '--mount', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt'],
    { stdio: 'ignore' },
  );
  return probe.status === 0;
}

describe(
  'write-ahead log on a full disk',
  { skip: canMountTmpfs() ? false : 'cannot mount a tmpfs here (unshare)' },
  () => {
    it('answers 503 while the disk is full, loses and duplicates nothing, and recovers when space returns', async () => {
      const dataDir = await makeDataDir();
      dirs.push(dataDir);
      const walDir = path.join(dataDir, 'small-disk');
      await mkdir(walDir);
      const port = await freePort();
      const env = {
        ...process.env,
        KAFKA_BROKERS: '',
        DATA_DIR: dataDir,
        INGEST_WAL_DIR: walDir,
        INGEST_PORT: String(port),
        INGEST_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
        // The ceiling is above the disk's size: the disk fills first.
        INGEST_WAL_MAX_BYTES: String(8 * 1024 * 1024),
        INGEST_WAL_SEGMENT_BYTES: String(64 * 1024),
        CLICKHOUSE_FLUSH_INTERVAL_SECS: '2',
        CLICKHOUSE_BUFFER_SIZE: '1000000',
      };
      const child = spawn(
        'unshare',
        [
          '--user',
          '--map-root-user',
          '--mount',
          'sh',
          '-c',
          'mount -t tmpfs -o size=256k tmpfs "$INGEST_WAL_DIR" && exec "$0" src/cli/service.ts',
          process.execPath,
        ],
        { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const url = `http://127.0.0.1:${port}`;
      await waitUntilUp(url, exited);

      const acked = new Set<number>();
      const refusedSeqs = new Set<number>();
      const codes = new Set<string>();
      let next = 0;
      let recoveredAfterFull = false;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !recoveredAfterFull) {
        const seqs = Array.from({ length: 100 }, () => next++);
        const res = await fetch(`${url}/logs/ingest`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            logs: seqs.map((seq) => ({
              org: 'disk',
              message: `Order ${seq} shipped`,
              metadata: { seq: String(seq) },
            })),
          }),
        });
        const body = (await res.json()) as { code?: string; message?: string };
        if (res.status === 200) {
          for (const seq of seqs) acked.add(seq);
          if (codes.has('WAL_WRITE_FAILED')) recoveredAfterFull = true;
        } else {
          assert.equal(res.status, 503, JSON.stringify(body));
          assert.ok(Number(res.headers.get('retry-after')) >= 1);
          codes.add(body.code ?? '');
          if (body.code === 'WAL_WRITE_FAILED') assert.match(body.message ?? '', /ENOSPC|no space/i);
          for (const seq of seqs) refusedSeqs.add(seq);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.ok(codes.has('WAL_WRITE_FAILED'), `the disk filled up (answers: ${[...codes].join(', ')})`);
      assert.ok(recoveredAfterFull, 'ingestion recovered once storage freed the disk');

      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
      const store = await startStore(config.clickhouse, { logger: createLogger('silent') });
      try {
        const result = await store.client.query({
          query: `SELECT toUInt32(metadata['seq']) AS seq, count() AS n FROM ${store.database}.logs WHERE org = 'disk' GROUP BY seq`,
          format: 'JSONEachRow',
        });
        const stored = new Map(
          (await result.json<{ seq: number; n: string }>()).map((r) => [Number(r.seq), Number(r.n)]),
        );
        assert.equal(
          [...acked].filter((seq) => stored.get(seq) !== 1).length,
          0,
          'every acknowledged log stored once',
        );
        assert.equal([...refusedSeqs].filter((seq) => stored.has(seq)).length, 0, 'no refused log stored');
      } finally {
        await store.stop();
      }
    });
  },
);
