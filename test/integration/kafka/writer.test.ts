import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Config } from '../../../src/config.ts';
import type { StoredLog } from '../../../src/model/log.ts';
import { startKafkaWriter, type KafkaWriter } from '../../../src/transport/kafka/store-writer.ts';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { AvroCodec } from '../../../src/transport/kafka/avro/codec.ts';
import { createKafka, type Kafka } from '../../../src/transport/kafka/client/index.ts';
import { makeDataDir } from '../../helpers/service.ts';
import { count, log, silent, tempStorage } from '../store/helpers.ts';
import { kafkaBrokers, uniqueTopic, waitFor } from './helpers.ts';

const N = 600;
const BATCH = 64;
const codec = AvroCodec.load<StoredLog>('stored-log');

const stored = (store: Store, org: string) => count(store, 'org = {org:String}', { org });

async function distinctMessages(store: Store, org: string): Promise<number> {
  const r = await store.client.query({
    query: `SELECT uniqExact(message) AS n FROM ${store.database}.logs WHERE org = {org:String}`,
    format: 'JSONEachRow',
    query_params: { org },
  });
  const [row] = await r.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

/** Produces logs [from, to) of `org`, one unique message each, over two keys (two partitions). */
async function produce(kafka: Kafka, topic: string, org: string, from: number, to: number, corrupt = 0) {
  const producer = kafka.producer();
  const messages = Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return {
      topic,
      key: `${org}-${i % 2}`,
      // With its row id, as the matcher publishes it.
      value: codec.encode(
        log({ org, message: `log ${i}`, timestamp: Date.UTC(2030, 0, 1) + i, id: String(1_000_000 + i) }),
      ),
    };
  });
  for (let i = 0; i < corrupt; i++) messages.push({ topic, key: `${org}-0`, value: Buffer.from('not avro') });
  await producer.send(messages);
  await producer.close();
}

function writerOptions(kafka: Kafka, store: Store, topic: string, groupId: string) {
  return {
    kafka,
    store,
    codec,
    topic,
    groupId,
    deadLetterTopic: `${topic}.dlq`,
    batchSize: BATCH,
    retryInitialBackoffMs: 20,
    retryMaxBackoffMs: 200,
    logger: silent,
  };
}

/**
 * The child process: owns the embedded store in CHILD_DATA_DIR (one process per path) and runs
 * the writer. `run` prints a line per insert (and is SIGKILLed by the parent); `verify` runs
 * until every expected log is stored, prints the count, and exits.
 */
async function child(mode: string): Promise<void> {
  const env = (k: string) => process.env[k] ?? '';
  const config: Config['clickhouse'] = {
    ...tempStorage('unused').config,
    dataDir: env('CHILD_DATA_DIR'),
    database: 'kafka_writer_child_db',
  };
  const store = await startStore(config, { logger: silent });
  const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'writer-test-child' });
  const org = env('CHILD_ORG');
  const writer = await startKafkaWriter({
    ...writerOptions(kafka, store, env('CHILD_TOPIC'), env('CHILD_GROUP')),
    async afterInsert(token) {
      process.stdout.write(`inserted ${token}\n`);
      // Slow enough that the parent's SIGKILL lands inside a run, between its inserts.
      if (mode === 'run') await new Promise((r) => setTimeout(r, 30));
    },
  });
  if (mode === 'verify') {
    const expected = Number(env('CHILD_EXPECTED'));
    // Per partition, rows are stored in offset order: once every message is there, every
    // redelivered range before it has been handled too.
    while ((await distinctMessages(store, org)) < expected) await new Promise((r) => setTimeout(r, 100));
    process.stdout.write(`result ${await stored(store, org)} ${await distinctMessages(store, org)}\n`);
    await writer.close();
    await kafka.close();
    await store.stop();
    process.exit(0);
  }
  await writer.done;
}

if (process.env['WRITER_TEST_CHILD'] !== undefined) {
  await child(process.env['WRITER_TEST_CHILD']);
} else {
  describe('kafka writer: exactly once into the embedded engine (real broker)', { timeout: 90_000 }, () => {
    const storage = tempStorage('kafka-writer');
    let store: Store;
    let kafka: Kafka;
    const topics: string[] = [];
    const writers: KafkaWriter[] = [];

    before(async () => {
      store = await startStore(storage.config, { logger: silent });
      kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'writer-test' });
    });

    after(async () => {
      for (const w of writers) await w.close();
      await kafka.admin.deleteTopics(topics).catch(() => undefined);
      await kafka.close();
      await store.stop();
      storage.cleanup();
    });

    /** A fresh matched topic (two partitions) and its dead-letter topic; a fresh org. */
    async function freshTopic() {
      const topic = uniqueTopic();
      topics.push(topic, `${topic}.dlq`);
      await kafka.admin.ensureTopics([
        { name: topic, partitions: 2, replicationFactor: 1 },
        { name: `${topic}.dlq`, partitions: 1, replicationFactor: 1 },
      ]);
      return { topic, org: `org-${randomUUID()}` };
    }

    const start = async (topic: string, groupId: string, afterInsert?: (token: string) => void) => {
      const w = await startKafkaWriter({ ...writerOptions(kafka, store, topic, groupId), afterInsert });
      writers.push(w);
      return w;
    };

    async function waitStored(org: string, n: number) {
      const deadline = Date.now() + 20_000;
      for (let last = -1; last < n; last = await distinctMessages(store, org)) {
        if (Date.now() > deadline) throw new Error(`timed out: ${last} of ${n} logs stored`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('stores every log once, dead-letters the undecodable, and a second group adds nothing', async () => {
      const { topic, org } = await freshTopic();
      await produce(kafka, topic, org, 0, N, 1);
      const first = await start(topic, `g-${randomUUID()}`);
      await waitStored(org, N);
      await waitFor('the dead letter', () => first.stats().deadLettered === 1);
      await first.close();
      assert.equal(await stored(store, org), N);

      // Another group from offset 0 gets every record again; the ledger knows they are stored.
      const second = await start(topic, `g-${randomUUID()}`);
      await waitFor('the redelivery', () => second.stats().rowsSkipped >= N);
      await second.close();
      assert.equal(second.stats().rowsInserted, 0);
      assert.equal(await stored(store, org), N);
      assert.equal(await distinctMessages(store, org), N);
    });

    it('a writer that dies between insert and commit, restarted after more logs arrived, stores each once', async () => {
      const { topic, org } = await freshTopic();
      await produce(kafka, topic, org, 0, N);
      const group = `g-${randomUUID()}`;
      const crashing = await start(topic, group, (token) => {
        // Dies right after storing a partial range (one that ends where its run ended, not at a
        // multiple of BATCH): the run is neither marked done nor committed. This is the range a
        // longer redelivered run would cut differently without the ledger.
        const last = BigInt(token.slice(token.lastIndexOf('-') + 1));
        if ((last + 1n) % BigInt(BATCH) !== 0n) throw new Error('simulated crash');
      });
      await assert.rejects(crashing.done);
      await crashing.close();
      const before = await stored(store, org);
      // Anything up to all N: the crash may follow the last insert of the only run (its commit is lost).
      assert.ok(before > 0, `stored before the crash: ${before}`);

      // The redelivered runs now reach further than the crashed one: the ledger's run ends make
      // the crashed run's ranges (and tokens) come out as before.
      await produce(kafka, topic, org, N, N + 100);
      const restarted = await start(topic, group);
      await waitStored(org, N + 100);
      await restarted.close();
      assert.ok(restarted.stats().rowsInserted > 0);
      assert.equal(await stored(store, org), N + 100);
      // The ranges overlapping the crashed run were replaced by row id, not inserted again.
      assert.ok(restarted.stats().rowsReplaced > 0);
      assert.equal(restarted.stats().possibleDuplicates, 0);
    });

    it('a writer process SIGKILLed mid-stream and restarted stores each log exactly once', async () => {
      const { topic, org } = await freshTopic();
      await produce(kafka, topic, org, 0, N);
      const dataDir = await makeDataDir();
      const env = {
        ...process.env,
        CHILD_DATA_DIR: dataDir,
        CHILD_TOPIC: topic,
        CHILD_GROUP: `g-${randomUUID()}`,
        CHILD_ORG: org,
        CHILD_EXPECTED: String(N + 100),
      };
      const spawnChild = (mode: string) => {
        const p = spawn(process.execPath, [import.meta.filename], {
          env: { ...env, WRITER_TEST_CHILD: mode },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString()));
        p.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
        return { p, out: () => out, err: () => err, exited };
      };
      try {
        const first = spawnChild('run');
        const inserted = () =>
          first
            .out()
            .split('\n')
            .filter((l) => l.startsWith('inserted ')).length;
        await Promise.race([
          waitFor('the first inserts', () => inserted() >= 3, 30_000),
          first.exited.then((code) => {
            throw new Error(`writer child exited (${code}) before the kill: ${first.err()}`);
          }),
        ]);
        first.p.kill('SIGKILL');
        await first.exited;
        assert.ok(inserted() < Math.ceil(N / BATCH) + 2, 'killed before it had stored everything');

        await produce(kafka, topic, org, N, N + 100);
        const second = spawnChild('verify');
        const code = await second.exited;
        assert.equal(code, 0, second.err());
        const result = second
          .out()
          .split('\n')
          .find((l) => l.startsWith('result '));
        assert.equal(result, `result ${N + 100} ${N + 100}`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
