import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, ROOT } from '../../helpers/process.ts';
import { logLine, Pipeline, postLogs, waitForStored } from './pipeline.ts';

const run = promisify(execFile);

/**
 * A broker of this test's own (its own port and state directory, the cached jars shared), since
 * stopping the suite's broker would break the tests running beside this one.
 */
class PrivateBroker {
  private env: NodeJS.ProcessEnv = {};
  brokers: string[] = [];

  async init(): Promise<void> {
    const dir = await mkdtemp(path.join(tmpdir(), 'log-ingest-broker-'));
    this.env = {
      ...process.env,
      KAFKA_LOCAL_DIR: dir,
      KAFKA_JARS_DIR: path.join(ROOT, '.kafka', 'jars'),
      KAFKA_PORT: String(await freePort()),
    };
  }

  async up(): Promise<void> {
    const { stdout } = await run('bash', [path.join(ROOT, 'scripts/kafka/up.sh')], { env: this.env });
    const line = stdout.trim().split('\n').at(-1) ?? '';
    this.brokers = (/^KAFKA_BROKERS=(.+)$/.exec(line)?.[1] ?? '').split(',');
  }

  async down(clean = false): Promise<void> {
    await run('bash', [path.join(ROOT, 'scripts/kafka/down.sh'), ...(clean ? ['--clean'] : [])], {
      env: this.env,
    });
    if (clean) await rm(this.env['KAFKA_LOCAL_DIR'] as string, { recursive: true, force: true });
  }
}

describe('Kafka mode: the broker goes away and comes back', { timeout: 300_000 }, () => {
  const broker = new PrivateBroker();
  let pipeline: Pipeline | undefined;
  before(async () => {
    await broker.init();
    await broker.up();
  });
  after(async () => {
    await pipeline?.close();
    await broker.down(true);
  });

  it('(f) ingest answers 503 with Retry-After while the broker is down, and recovers by itself', async () => {
    pipeline = new Pipeline(broker.brokers);
    const { writer, ingest } = await pipeline.startAll();
    let seq = 0;
    const accepted: number[] = [];
    const post = async () => {
      const logs = Array.from({ length: 20 }, () => logLine('outage', seq++));
      const res = await postLogs(ingest.url, logs);
      if (res.status === 200)
        for (const l of logs) accepted.push(Number((l as { metadata: { seq: string } }).metadata.seq));
      return res;
    };
    assert.equal((await post()).status, 200);

    await broker.down();
    let refused: Response | undefined;
    for (let i = 0; i < 30 && refused === undefined; i++) {
      const res = await post();
      if (res.status === 503) refused = res;
    }
    assert.ok(refused !== undefined, 'ingest answered 503 while the broker was down');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const body = (await refused.json()) as { code: string; message: string };
    assert.equal(body.code, 'OVERLOADED');
    assert.match(body.message, /Kafka broker/);

    await broker.up();
    // No restart of any role: the same processes take logs again.
    let recovered = false;
    for (let i = 0; i < 120 && !recovered; i++) {
      recovered = (await post()).status === 200;
      if (!recovered) await sleep(500);
    }
    assert.ok(recovered, 'ingest took logs again once the broker was back');
    for (let i = 0; i < 5; i++) assert.equal((await post()).status, 200);

    const stored = await waitForStored(writer.url, 'outage', accepted.length, 120_000);
    const storedSeqs = stored.map((l) => Number(l.metadata['seq']));
    assert.equal(new Set(storedSeqs).size, storedSeqs.length, 'no log stored twice');
    const have = new Set(storedSeqs);
    assert.deepEqual(
      accepted.filter((s) => !have.has(s)),
      [],
      'every accepted log is stored',
    );
  });
});
