import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { murmur2 } from '@platformatic/kafka';
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

/** Two keys of `org` that the producer's partitioner (murmur2) sends to partitions 0 and 1. */
function keysOverPartitions(org: string): [string, string] {
  const keys: string[] = [];
  for (let k = 0; keys.length < 2; k++) {
    const key = `${org}-${k}`;
    if ((murmur2(Buffer.from(key)) >>> 0) % 2 === keys.length) keys.push(key);
  }
  return keys as [string, string];
}

/** Produces logs [from, to) of `org`, one unique message each, alternately to both partitions. */
async function produce(kafka: Kafka, topic: string, org: string, from: number, to: number, corrupt = 0) {
  const producer = kafka.producer();
  const keys = keysOverPartitions(org);
  const messages = Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return {
      topic,
      key: keys[i % 2] as string,
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
    gatherWaitMs: 200,
    retryInitialBackoffMs: 20,
    retryMaxBackoffMs: 200,
    logger: silent,
  };
}

/**
 * The child process: owns the embedded store in CHILD_DATA_DIR (one process per path) and runs
 * the writer. `run` prints a line per insert (and is SIGKILLed by the parent); `hold` stops right
 * after the insert of its first piece that spans both partitions, before the piece is marked
 * done and committed, and prints `holding` (the parent then SIGKILLs it); `verify` runs until
 * every expected log is stored, prints the count, and exits.
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
  let spanning = 0;
  const writer = await startKafkaWriter({
    ...writerOptions(kafka, store, env('CHILD_TOPIC'), env('CHILD_GROUP')),
    async afterInsert(token) {
      process.stdout.write(`inserted ${token}\n`);
      // Slow enough that the parent's SIGKILL lands between a piece's insert and its commit.
      if (mode === 'run') await new Promise((r) => setTimeout(r, 30));
      // `${topic}:0:a-b:1:c-d`: rows of both partitions in this one insert.
      if (mode === 'hold' && token.split(':').length === 5 && ++spanning === 1) {
        process.stdout.write('holding\n');
        await new Promise(() => undefined);
      }
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
      // Without a crash no piece overlaps an unfinished one: nothing is replaced (a delete each).
      assert.equal(first.stats().rowsReplaced, 0);

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
      let pieces = 0;
      const crashing = await start(topic, group, () => {
        // Dies right after storing its third piece: the piece is neither marked done nor
        // committed. A redelivery gathers its records with others, under another name.
        if (++pieces === 3) throw new Error('simulated crash');
      });
      await assert.rejects(crashing.done);
      await crashing.close();
      const before = await stored(store, org);
      // Anything up to all N: the crash may follow the last insert of the only run (its commit is lost).
      assert.ok(before > 0, `stored before the crash: ${before}`);

      // The redelivered pieces now reach further than the crashed one: the rows of the crashed
      // piece are replaced by id, whatever it had stored.
      await produce(kafka, topic, org, N, N + 100);
      const restarted = await start(topic, group);
      await waitStored(org, N + 100);
      await restarted.close();
      assert.ok(restarted.stats().rowsInserted > 0);
      assert.equal(await stored(store, org), N + 100);
      // The pieces overlapping the crashed one were replaced by row id, not inserted again.
      assert.ok(restarted.stats().rowsReplaced > 0);
      assert.equal(restarted.stats().possibleDuplicates, 0);
    });

    /**
     * Runs a writer child in `mode` until `killAt` holds of its output, SIGKILLs it, produces 100
     * more logs, and checks that a restarted writer stores each of the N + 100 logs once.
     */
    async function killAndRestart(mode: string, killAt: (out: string) => boolean): Promise<string> {
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
      const spawnChild = (childMode: string) => {
        const p = spawn(process.execPath, [import.meta.filename], {
          env: { ...env, WRITER_TEST_CHILD: childMode },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString()));
        p.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
        return { p, out: () => out, err: () => err, exited };
      };
      const first = spawnChild(mode);
      try {
        await Promise.race([
          waitFor('the moment to kill', () => killAt(first.out()), 30_000),
          first.exited.then((code) => {
            throw new Error(`writer child exited (${code}) before the kill: ${first.err()}`);
          }),
        ]);
        first.p.kill('SIGKILL');
        await first.exited;

        await produce(kafka, topic, org, N, N + 100);
        const second = spawnChild('verify');
        const code = await second.exited;
        assert.equal(code, 0, second.err());
        const result = second
          .out()
          .split('\n')
          .find((l) => l.startsWith('result '));
        assert.equal(result, `result ${N + 100} ${N + 100}`);
        return first.out();
      } finally {
        first.p.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    }

    const inserts = (out: string) => out.split('\n').filter((l) => l.startsWith('inserted ')).length;

    it('a writer process SIGKILLed mid-stream and restarted stores each log exactly once', async () => {
      const out = await killAndRestart('run', (o) => inserts(o) >= 3);
      assert.ok(inserts(out) < Math.ceil(N / BATCH) + 2, 'killed before it had stored everything');
    });

    it('a writer SIGKILLed between the insert and the commit of a piece holding rows of both partitions stores each log once', async () => {
      const out = await killAndRestart('hold', (o) => o.includes('holding\n'));
      // The piece it died in: one insert, one range per partition, neither marked done nor committed.
      const held =
        out
          .split('\n')
          .filter((l) => l.startsWith('inserted '))
          .at(-1) ?? '';
      assert.match(held, /^inserted [^:]+:0:\d+-\d+:1:\d+-\d+$/);
    });
  });
}
