import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import avro from 'avsc';
import { loadConfig, type KafkaConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, StoredLog } from '../../../src/model/log.ts';
import type { TemplateChange } from '../../../src/model/template-change.ts';
import type { Template } from '../../../src/model/template.ts';
import { AvroCodec, SCHEMA_DIR } from '../../../src/transport/kafka/avro/codec.ts';
import { crc64Avro } from '../../../src/transport/kafka/avro/fingerprint.ts';
import {
  createKafkaChannels,
  DEAD_LETTER_HEADERS,
  KafkaChannel,
  logSerde,
  templateSerde,
  type KafkaChannels,
} from '../../../src/transport/kafka/channel.ts';
import { createKafka, type Kafka, type KafkaMessage } from '../../../src/transport/kafka/client/index.ts';
import { templatesTopic } from '../../../src/transport/kafka/connect.ts';
import { topicSpecs, ensureTopics } from '../../../src/transport/kafka/topics.ts';
import { ROOT } from '../../helpers/process.ts';
import { kafkaBrokers, uniqueTopic, waitFor } from './helpers.ts';

const log = (i: number, org = 'acme'): LogRecord => ({
  timestamp: Date.UTC(2026, 0, 1) + i,
  org,
  dashboard: 'prod',
  service: 'api',
  host: `web-${i % 3}`,
  level: i % 2 === 0 ? 'INFO' : 'ERROR',
  message: `request ${i} took ${i * 7} ms ünïcode "q"`,
  metadata: i % 2 === 0 ? {} : { request_id: `r-${i}`, empty: '' },
  id: String(10_000_000_000_000_000_000n + BigInt(i)),
});

const template = (org: string, id: number, text: string): Template => ({
  id,
  org,
  text,
  source: 'builtin',
  shapes: '1-1/1',
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000 + id,
});

/** Decoded records are avsc record instances; compare their fields. */
const plain = <T extends object>(items: readonly T[]): T[] => items.map((x) => ({ ...x }));
const byMessage = (a: { message: string }, b: { message: string }) => a.message.localeCompare(b.message);

describe('kafka channels (real broker)', { timeout: 60_000 }, () => {
  let kafka: Kafka;
  let topics: string[] = [];
  const closers: Array<() => Promise<void>> = [];

  /** A kafka config whose five topics are new and unique to the test. */
  const freshConfig = (): KafkaConfig => {
    const names = Array.from({ length: 5 }, uniqueTopic);
    topics.push(...names);
    return loadConfig({
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_RAW: names[0],
      KAFKA_TOPIC_UNMATCHED: names[1],
      KAFKA_TOPIC_MATCHED: names[2],
      KAFKA_TOPIC_TEMPLATES: names[3],
      KAFKA_TOPIC_DEAD_LETTER: names[4],
      KAFKA_PARTITIONS: '2',
      KAFKA_GROUP_MATCHER: `m-${randomUUID()}`,
      KAFKA_GROUP_WRITER: `w-${randomUUID()}`,
      KAFKA_GROUP_GENERATOR: `g-${randomUUID()}`,
    }).kafka;
  };
  const channels = async (config: KafkaConfig): Promise<KafkaChannels> => {
    await ensureTopics(kafka.admin, config);
    const c = createKafkaChannels(kafka, config);
    closers.push(() => c.close());
    return c;
  };
  /** Everything in a topic now, with no group. */
  const readTopic = async (topic: string): Promise<KafkaMessage[]> => {
    const out: KafkaMessage[] = [];
    const reader = await kafka.readFromBeginning(topic, (m) => void out.push(m), { untilEnd: true });
    await reader.done;
    return out;
  };

  before(() => {
    kafka = createKafka({ brokers: kafkaBrokers(), clientId: `test-${randomUUID()}` });
  });
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await kafka.admin.deleteTopics(topics);
    topics = [];
  });
  after(async () => {
    await kafka?.close();
  });

  it('ensureTopics creates the five topics with their cleanup policies, and again is a no-op', async () => {
    const config = freshConfig();
    await ensureTopics(kafka.admin, config);
    await ensureTopics(kafka.admin, config);
    const policies = Object.fromEntries(
      await Promise.all(
        topicSpecs(config).map(
          async (s) => [s.name, (await kafka.admin.topicConfig(s.name))['cleanup.policy']] as const,
        ),
      ),
    );
    assert.deepEqual(policies, {
      [config.topics.raw]: 'delete',
      [config.topics.unmatched]: 'delete',
      [config.topics.matched]: 'delete',
      [config.topics.templates]: 'compact',
      [config.topics.deadLetter]: 'delete',
    });
    assert.deepEqual(await kafka.admin.endOffsets(config.topics.raw), [0n, 0n]);
  });

  it('round-trips LogRecords and StoredLogs exactly, in order per org', async () => {
    const config = freshConfig();
    const c = await channels(config);
    const records = Array.from({ length: 40 }, (_, i) => log(i, `org-${i % 3}`));
    const rows: StoredLog[] = records.map((r, i) => ({
      ...r,
      templateId: i % 4 === 0 ? 0 : 4_053_224_523_883_714 + i,
      variables: i % 4 === 0 ? [] : [String(i), `${i * 7}`],
      untemplatedReason: i % 4 === 0 ? 'template_cap' : '',
    }));
    await c.raw.publish(records.slice(0, 20));
    await c.raw.publish(records.slice(20));
    await c.matched.publish(rows);

    const gotRaw: LogRecord[] = [];
    const gotRows: StoredLog[] = [];
    c.raw.subscribe((items) => void gotRaw.push(...items));
    c.matched.subscribe(async (items) => {
      await Promise.resolve();
      gotRows.push(...items);
    });
    await Promise.all([c.raw.caughtUp, c.matched.caughtUp]);
    await waitFor('40 records and 40 rows', () => gotRaw.length >= 40 && gotRows.length >= 40);

    assert.deepEqual(plain(gotRaw).sort(byMessage), [...records].sort(byMessage));
    assert.deepEqual(plain(gotRows).sort(byMessage), [...rows].sort(byMessage));
    for (const org of ['org-0', 'org-1', 'org-2']) {
      assert.deepEqual(
        gotRaw.filter((r) => r.org === org).map((r) => r.timestamp),
        records.filter((r) => r.org === org).map((r) => r.timestamp),
      );
    }
    // On the wire: key = org, and the content type naming the schema.
    for (const m of await readTopic(config.topics.raw)) {
      assert.equal(m.headers['content-type']?.toString(), 'application/vnd.log-ingest.log-record+avro');
      assert.equal(m.key?.toString(), AvroCodec.load<LogRecord>('log-record').decode(m.value!).org);
    }
  });

  it('sends undecodable records to the dead-letter topic with the reason, and the partition keeps flowing', async () => {
    const config = freshConfig();
    const c = await channels(config);
    const raw = config.topics.raw;
    const producer = kafka.producer();
    closers.push(() => producer.close());
    const unknownFingerprint = Buffer.concat([
      Buffer.from([0xc3, 0x01]),
      Buffer.alloc(8, 7),
      Buffer.from('x'),
    ]);
    // All under one key: one partition, the garbage between valid records.
    await c.raw.publish([log(0), log(1)]);
    await producer.send([
      { topic: raw, key: 'acme', value: Buffer.from('{"org":"acme","message":"json, not avro"}') },
      { topic: raw, key: 'acme', value: unknownFingerprint },
      { topic: raw, key: 'acme', value: null },
    ]);
    await c.raw.publish([log(2), log(3)]);

    const got: LogRecord[] = [];
    c.raw.subscribe((items) => void got.push(...items));
    await waitFor('the 4 valid records around the garbage', () => got.length >= 4);
    await c.raw.publish([log(4)]);
    await waitFor('a record published after the garbage', () => got.length >= 5);
    assert.deepEqual(
      got.map((r) => r.message),
      [0, 1, 2, 3, 4].map((i) => log(i).message),
    );
    assert.equal(c.raw.deadLettered, 3);
    const settled = c.raw.done.then(
      () => 'stopped',
      () => 'failed',
    );
    assert.equal(await Promise.race([settled, Promise.resolve('running')]), 'running');

    const dead = await readTopic(config.topics.deadLetter);
    const h = (m: KafkaMessage, name: string) => m.headers[name]?.toString();
    assert.deepEqual(
      dead.map((m) => h(m, DEAD_LETTER_HEADERS.offset)),
      ['2', '3', '4'],
    );
    for (const m of dead) {
      assert.equal(h(m, DEAD_LETTER_HEADERS.topic), raw);
      assert.equal(h(m, DEAD_LETTER_HEADERS.group), config.groups.matcher);
      assert.equal(m.key?.toString(), 'acme');
    }
    const sourcePartition = (await readTopic(raw)).find((m) => m.offset === 2n)?.partition;
    assert.equal(h(dead[0]!, DEAD_LETTER_HEADERS.partition), String(sourcePartition));
    assert.match(h(dead[0]!, DEAD_LETTER_HEADERS.reason) ?? '', /bad magic/);
    assert.match(h(dead[1]!, DEAD_LETTER_HEADERS.reason) ?? '', /unknown writer schema fingerprint 0707/);
    assert.match(h(dead[2]!, DEAD_LETTER_HEADERS.reason) ?? '', /null value/);
    assert.equal(dead[0]!.value?.toString(), '{"org":"acme","message":"json, not avro"}');
    assert.deepEqual(dead[1]!.value, unknownFingerprint);
  });

  it('redelivers a batch whose handler failed to the next consumer of the group (at-least-once)', async () => {
    const config = freshConfig();
    const c = await channels(config);
    const records = Array.from({ length: 10 }, (_, i) => log(i));
    await c.raw.publish(records);

    c.raw.subscribe(() => Promise.reject(new Error('storage down')));
    await assert.rejects(c.raw.done, /storage down/);
    await c.raw.close();

    const again = new KafkaChannel({
      kafka,
      topic: config.topics.raw,
      serde: logSerde(AvroCodec.load<LogRecord>('log-record')),
      deadLetterTopic: config.topics.deadLetter,
      subscription: { mode: 'group', groupId: config.groups.matcher },
    });
    closers.push(() => again.close());
    const got: LogRecord[] = [];
    again.subscribe((items) => void got.push(...items));
    await waitFor('the 10 uncommitted records again', () => got.length >= 10);
    assert.deepEqual(plain(got), records);
  });

  it('templates: upserts and tombstones, read from the beginning by two independent readers', async () => {
    const config = freshConfig();
    const c = await channels(config);
    const a1 = template('acme', 11, 'Connection timeout after <*>s');
    const a2 = template('acme', 12, 'User <*> logged in');
    const b1 = template("o.with-marks_(x)'*", 11, 'Disk <*> full');
    await c.templates.publish([
      { kind: 'upsert', template: a1 },
      { kind: 'upsert', template: a2 },
      { kind: 'upsert', template: b1 },
    ]);
    const a1v2 = { ...a1, text: 'Connection timeout after <*> s', updatedAt: a1.updatedAt + 1 };
    await c.templates.publish([
      { kind: 'upsert', template: a1v2 },
      { kind: 'delete', org: 'acme', id: 12 },
    ]);

    const reader = () => {
      const ch = new KafkaChannel({
        kafka,
        topic: config.topics.templates,
        serde: templateSerde(AvroCodec.load<Template>('template')),
        deadLetterTopic: config.topics.deadLetter,
        subscription: { mode: 'readAll' },
      });
      closers.push(() => ch.close());
      const changes: TemplateChange[] = [];
      const state = new Map<string, string>();
      ch.subscribe((items) => {
        for (const change of items) {
          changes.push(change);
          if (change.kind === 'upsert')
            state.set(`${change.template.org}:${change.template.id}`, change.template.text);
          else if (change.kind === 'delete') state.delete(`${change.org}:${change.id}`);
        }
      });
      return { ch, changes, state };
    };
    const r1 = reader();
    const r2 = reader();
    await Promise.all([r1.ch.caughtUp, r2.ch.caughtUp]);
    for (const r of [r1, r2]) {
      // caughtUp means every record present at start has been handed over.
      assert.equal(r.changes.length, 5);
      assert.deepEqual(
        new Map([...r.state].sort()),
        new Map([
          ['acme:11', a1v2.text],
          ["o.with-marks_(x)'*:11", b1.text],
        ]),
      );
      assert.deepEqual(r.changes.at(-1), { kind: 'delete', org: 'acme', id: 12 });
      const upsert = r.changes.find((x) => x.kind === 'upsert' && x.template.org === "o.with-marks_(x)'*");
      assert.deepEqual(upsert && upsert.kind === 'upsert' ? { ...upsert.template } : undefined, b1);
    }

    // After catching up, both keep following.
    await c.templates.publish([{ kind: 'delete', org: "o.with-marks_(x)'*", id: 11 }]);
    await waitFor(
      'the later tombstone in both readers',
      () => r1.changes.length === 6 && r2.changes.length === 6,
    );
    assert.deepEqual(r1.changes.at(-1), { kind: 'delete', org: "o.with-marks_(x)'*", id: 11 });
    assert.equal(r2.state.size, 1);
  });

  it('templates: a key that would not parse back is never produced; one already there is warned about once with the fix, and templates:clean deletes it', async () => {
    const config = freshConfig();
    const c = await channels(config);
    const topic = config.topics.templates;
    // What earlier versions did for a log with org "": a template under the key ":<id>".
    await assert.rejects(
      c.templates.publish([{ kind: 'upsert', template: template('', 2809261701581785, 'Disk <*> full') }]),
      { code: 'UNENCODABLE' },
    );
    await assert.rejects(c.templates.publish([{ kind: 'delete', org: 'a b', id: 1 }]), {
      code: 'UNENCODABLE',
    });
    assert.deepEqual(await readTopic(topic), [], 'nothing produced');

    // Such records already on the topic (twice, as a refined template would be), next to a good one.
    const codec = AvroCodec.load<Template>('template');
    const legacy = template('', 2809261701581785, 'Disk <*> full');
    const producer = kafka.producer();
    closers.push(() => producer.close());
    await producer.send([
      { topic, key: ':2809261701581785', value: codec.encode(legacy) },
      { topic, key: ':2809261701581785', value: codec.encode({ ...legacy, text: 'Disk <*> <*>' }) },
    ]);
    await c.templates.publish([{ kind: 'upsert', template: template('acme', 11, 'User <*> logged in') }]);

    const startReader = async () => {
      type Warning = { msg: string; fix?: string; records?: Array<{ key: string }> };
      const warnings: Warning[] = [];
      const logger = createLogger('warn', {
        write: (line: string) => void warnings.push(JSON.parse(line) as Warning),
      });
      const fullConfig = loadConfig({
        KAFKA_BROKERS: kafkaBrokers().join(','),
        KAFKA_TOPIC_TEMPLATES: topic,
        KAFKA_TOPIC_DEAD_LETTER: config.topics.deadLetter,
      });
      const reader = templatesTopic(kafka, fullConfig, logger);
      closers.push(() => reader.close());
      const ids: string[] = [];
      reader.subscribe((changes) => {
        for (const change of changes)
          if (change.kind === 'upsert') ids.push(`${change.template.org}:${change.template.id}`);
      });
      await reader.caughtUp;
      return { warnings, ids };
    };
    const first = await startReader();
    assert.deepEqual(first.ids, ['acme:11']);
    assert.equal(first.warnings.length, 1, JSON.stringify(first.warnings));
    assert.deepEqual(
      first.warnings[0]?.records?.map((r) => r.key),
      [':2809261701581785'],
    );
    assert.match(first.warnings[0]?.msg ?? '', /npm run templates:clean/);

    const clean = async (...args: string[]) => {
      const { execFile } = await import('node:child_process');
      const { promisify } = await import('node:util');
      const env = { ...process.env, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_TEMPLATES: topic };
      return (
        await promisify(execFile)(process.execPath, ['src/cli/templates-clean.ts', ...args], {
          cwd: ROOT,
          env,
        })
      ).stdout;
    };
    assert.match(await clean('--dry-run'), /would delete 1 record with a malformed key/);
    assert.match(await clean(), /":2809261701581785".*\n.*deleted 1 record with a malformed key/);
    assert.match(await clean(), /deleted 0 records/, 'a second run finds nothing left');

    const second = await startReader();
    assert.deepEqual(second.ids, ['acme:11'], 'the good template is untouched');
    assert.deepEqual(second.warnings, [], 'nothing to warn about once it is deleted');
  });

  it('templates: an empty topic is caught up at once; a reader whose handler throws stops with the error', async () => {
    const config = freshConfig();
    const c = await channels(config);
    c.templates.subscribe((items) => {
      if (items.length > 0) throw new Error('bad snapshot');
    });
    await c.templates.caughtUp;
    await c.templates.publish([{ kind: 'upsert', template: template('acme', 1, 'a <*>') }]);
    await assert.rejects(c.templates.done, /bad snapshot/);
  });

  it('consumes what a direct producer wrote with the plain client: single-object Avro, key = org', async () => {
    const config = freshConfig();
    const c = await channels(config);
    const producer = kafka.producer();
    closers.push(() => producer.close());

    // Built the way another Avro library would: the schema file's Parsing Canonical Form,
    // its CRC-64-AVRO fingerprint little-endian after 0xC3 0x01, then the binary body.
    const schema = JSON.parse(
      readFileSync(path.join(SCHEMA_DIR, 'log-record.v1.avsc'), 'utf8'),
    ) as avro.Schema;
    const canonical =
      '{"name":"log_ingest.LogRecord","type":"record","fields":[{"name":"timestamp","type":"long"},' +
      '{"name":"org","type":"string"},{"name":"dashboard","type":"string"},{"name":"service","type":"string"},' +
      '{"name":"host","type":"string"},{"name":"level","type":"string"},{"name":"message","type":"string"},' +
      '{"name":"metadata","type":{"type":"map","values":"string"}}]}';
    const fingerprint = Buffer.alloc(8);
    fingerprint.writeBigUInt64LE(crc64Avro(Buffer.from(canonical)));
    assert.equal(fingerprint.toString('hex'), '044ff01eb44947a6');
    const byHand = Buffer.concat([
      Buffer.from([0xc3, 0x01]),
      fingerprint,
      avro.Type.forSchema(schema).toBuffer(log(1, 'beta')),
    ]);

    const codec = AvroCodec.load<LogRecord>('log-record');
    await producer.send([
      { topic: config.topics.raw, key: 'acme', value: codec.encode(log(0, 'acme')) },
      { topic: config.topics.raw, key: 'beta', value: byHand },
    ]);

    const got: LogRecord[] = [];
    c.raw.subscribe((items) => void got.push(...items));
    await waitFor('both directly produced records', () => got.length >= 2);
    // The v1 record, written before row ids existed, reads with an empty one (the matcher then
    // derives it from the record's offset).
    assert.deepEqual(
      plain(got).sort(byMessage),
      [log(0, 'acme'), { ...log(1, 'beta'), id: '' }].sort(byMessage),
    );
    assert.equal(c.raw.deadLettered, 0);
  });
});
