/**
 * The Kafka transport: a Channel<T> over one topic, Avro in the single-object encoding. Stages
 * see the same interface as in-process; what Kafka adds is that publish resolves only after
 * every in-sync replica has the batch, and that a subscriber's batch is committed only after
 * its handler resolves. A message no schema version can read goes to the dead-letter topic
 * and never stops its partition.
 */
import type { KafkaConfig } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import type { LogRecord, StoredLog } from '../../model/log.ts';
import type { TemplateChange } from '../../model/template-change.ts';
import { uncurated, type Curation } from '../../model/curation.ts';
import type { Template } from '../../model/template.ts';
import { AvroCodec, UndecodableError } from './avro/codec.ts';
import type { Channel } from '../types.ts';
import { deadLetterFor } from './dead-letter.ts';
import { parseTemplateKey, templateKey } from './template-key.ts';
import type { Kafka, KafkaConsumer, KafkaProducer, OutgoingMessage, TopicReader } from './client/index.ts';

/** How items of one topic become records and back. `decode` throws for what it cannot read. */
export interface Serde<T> {
  /** `content-type` header of every value written: informative, consumers read the fingerprint. */
  readonly contentType: string;
  /** `contentType` set: this record's own (a topic that carries two record types). */
  encode(item: T): { key: string; value: Buffer | null; contentType?: string };
  decode(key: Buffer | null, value: Buffer | null): T;
}

export const contentType = (schema: string) => `application/vnd.log-ingest.${schema}+avro`;

/** Logs (raw, unmatched, matched): key = org, so one org's logs keep their order. */
export function logSerde<T extends { org: string }>(codec: AvroCodec<T>): Serde<T> {
  return {
    contentType: contentType(codec.name),
    encode: (item) => ({ key: item.org, value: codec.encode(item) }),
    decode(_key, value) {
      if (value === null) throw new UndecodableError(`${codec.name}: null value (tombstone)`);
      return codec.decode(value);
    },
  };
}

/** One item as a record of `topic`; a null value (tombstone) carries no content-type. */
export function toOutgoing<T>(serde: Serde<T>, topic: string, item: T): OutgoingMessage {
  const { key, value, contentType: own } = serde.encode(item);
  return value === null
    ? { topic, key, value }
    : { topic, key, value, headers: { 'content-type': own ?? serde.contentType } };
}

/**
 * The compacted templates topic. Key `<org>:<id>`: an upsert carries the template, a delete is a
 * tombstone (null value), whose org and id come from the key. Key `<org>:<id>:curation`: what
 * people decided about that template (model/curation.ts), a record type of its own.
 */
export function templateSerde(
  codec: AvroCodec<Template>,
  curations: AvroCodec<Curation> = AvroCodec.load<Curation>('template-curation'),
): Serde<TemplateChange> {
  const curationType = contentType(curations.name);
  return {
    contentType: contentType(codec.name),
    encode(change) {
      switch (change.kind) {
        case 'upsert':
          return {
            key: templateKey(change.template.org, change.template.id),
            value: codec.encode(change.template),
          };
        case 'delete':
          return { key: templateKey(change.org, change.id), value: null };
        case 'curate': {
          const { org, id } = change.curation;
          const value = curations.encode(change.curation);
          return { key: templateKey(org, id, 'curation'), value, contentType: curationType };
        }
      }
    },
    decode(key, value) {
      const { org, id, record } = parseTemplateKey(key);
      if (record === 'curation') {
        // Never deleted (an undone curation is a record of defaults); a tombstone reads as that.
        const curation = value === null ? uncurated(org, id) : curations.decode(value);
        keyMustName(curation, org, id);
        return { kind: 'curate', curation };
      }
      if (value === null) return { kind: 'delete', org, id };
      const template = codec.decode(value);
      keyMustName(template, org, id);
      return { kind: 'upsert', template };
    },
  };
}

/**
 * Compaction keeps the last record per key: a key naming another template (or another org's)
 * would let a bad producer replace or delete records it does not own.
 */
function keyMustName(value: { org: string; id: number }, org: string, id: number): void {
  if (value.org !== org || value.id !== id) {
    throw new UndecodableError(
      `template ${JSON.stringify(`${value.org}:${value.id}`)} under key ${org}:${id}`,
    );
  }
}

export { DEAD_LETTER_HEADERS } from './dead-letter.ts';

export type Subscription =
  /** A consumer group: each record goes to one member; offsets committed after the handler. */
  | {
      mode: 'group';
      groupId: string;
      /** Where a group with no committed offset starts: earliest (true, the default) or new only. */
      fromBeginning?: boolean;
    }
  /** Every record from the first offset, no group offsets: every matcher on `templates`. */
  | { mode: 'readAll' };

export interface KafkaChannelOptions<T> {
  kafka: Kafka;
  topic: string;
  serde: Serde<T>;
  deadLetterTopic: string;
  /** How subscribe() reads; required only if the channel is subscribed to. */
  subscription?: Subscription;
  /** Shared by publish and dead letters; one is created, and closed with the channel, if absent. */
  producer?: KafkaProducer;
  /**
   * For the channel's own producer: attempts before publish rejects (see ProducerOptions).
   * After a failed publish that producer is replaced, so a broker that comes back is used again.
   */
  produceRetries?: number;
  logger?: Logger;
  /**
   * readAll: what to do about a record that cannot be read, added to the warning (every reader
   * meets it again at every start until it is deleted).
   */
  undecodableHint?: string;
}

/** A record readAll could not read: where it is and why, for the warning. */
interface SkippedRecord {
  key: string;
  partition: number;
  offset: string;
  reason: string;
}

/** readAll hands records to the handler in runs of at most this many. */
const READ_ALL_MAX_PENDING = 1000;

function deferred(): PromiseWithResolvers<void> {
  const d = Promise.withResolvers<void>();
  // Settled whether or not anyone looks: an unobserved rejection must not crash the process.
  d.promise.catch(() => undefined);
  return d;
}

export class KafkaChannel<T> implements Channel<T> {
  readonly name: string;
  readonly #o: KafkaChannelOptions<T>;
  readonly #handlers: Array<(items: readonly T[]) => void | Promise<void>> = [];
  readonly #caughtUp = deferred();
  readonly #done = deferred();
  #producer: KafkaProducer | undefined;
  #running: Promise<KafkaConsumer | TopicReader | undefined> | undefined;
  #closed = false;
  #deadLettered = 0;
  /** readAll: the handler calls in flight, in order. */
  #chain: Promise<void> = Promise.resolve();

  constructor(options: KafkaChannelOptions<T>) {
    this.#o = options;
    this.name = options.topic;
    this.#producer = options.producer;
  }

  /**
   * Resolves once the subscription runs: a group consumer has joined; readAll has handed the
   * handler every record that was in the topic when it started (a matcher's readiness).
   * Rejects if the subscription fails first.
   */
  get caughtUp(): Promise<void> {
    return this.#caughtUp.promise;
  }

  /** Settles when the subscription stops: resolves after close(), rejects with what stopped it. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  /** Records sent to the dead-letter topic (group mode) or skipped (readAll) since start. */
  get deadLettered(): number {
    return this.#deadLettered;
  }

  #producerOf(): KafkaProducer {
    this.#producer ??= this.#o.kafka.producer(
      this.#o.produceRetries === undefined ? {} : { retries: this.#o.produceRetries },
    );
    return this.#producer;
  }

  /** Resolves after every in-sync replica has the items; rejects with KafkaError (retryable when the broker is away). */
  async publish(items: readonly T[]): Promise<void> {
    if (items.length === 0) return;
    const { serde, topic } = this.#o;
    // Encoded first: an item that cannot be encoded (UNENCODABLE) says nothing about the producer.
    const records = items.map((item) => toOutgoing(serde, topic, item));
    const producer = this.#producerOf();
    try {
      await producer.send(records);
    } catch (err) {
      if (producer !== this.#o.producer && this.#producer === producer) {
        this.#producer = undefined;
        void producer.close().catch(() => undefined);
      }
      throw err;
    }
  }

  /** Every handler sees every item, in order; the first subscribe starts the consumer. */
  subscribe(handler: (items: readonly T[]) => void | Promise<void>): void {
    if (this.#closed) throw new Error(`channel ${this.name} is closed`);
    this.#handlers.push(handler);
    if (this.#running !== undefined) return;
    const sub = this.#o.subscription;
    if (sub === undefined) throw new Error(`channel ${this.name} has no subscription options`);
    this.#running = (
      sub.mode === 'group' ? this.#startGroup(sub.groupId, sub.fromBeginning ?? true) : this.#startReadAll()
    ).catch((err: unknown) => {
      this.#caughtUp.reject(err);
      this.#done.reject(err);
      return undefined;
    });
  }

  async #deliver(items: readonly T[]): Promise<void> {
    if (items.length === 0) return;
    for (const handler of this.#handlers) await handler(items);
  }

  #reason(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
  }

  async #startGroup(groupId: string, fromBeginning: boolean): Promise<KafkaConsumer> {
    const { kafka, serde, topic, deadLetterTopic, logger } = this.#o;
    const consumer = await kafka.consumer({
      groupId,
      topics: [topic],
      fromBeginning,
      autoCommit: false,
      onBatch: async (batch) => {
        const items: T[] = [];
        const dead: OutgoingMessage[] = [];
        for (const m of batch.messages) {
          try {
            items.push(serde.decode(m.key, m.value));
          } catch (err) {
            dead.push(deadLetterFor(m, this.#reason(err), this.#o.deadLetterTopic, groupId));
          }
        }
        // Dead letters first: if the handler then fails, the batch comes again and its dead
        // letters are written twice, which is better than a record in neither place.
        if (dead.length > 0) {
          await this.#producerOf().send(dead);
          this.#deadLettered += dead.length;
          logger?.warn(
            { topic, partition: batch.partition, deadLetterTopic, count: dead.length },
            'undecodable records sent to the dead-letter topic',
          );
        }
        await this.#deliver(items);
      },
    });
    this.#caughtUp.resolve();
    consumer.done.then(
      () => this.#done.resolve(),
      (err: unknown) => this.#done.reject(err),
    );
    return consumer;
  }

  async #startReadAll(): Promise<TopicReader> {
    const { kafka, serde, topic, logger } = this.#o;
    // The reader hands over one record at a time; the handler gets what arrived in the same
    // turn of the event loop (about one fetch) as one batch, so a matcher starting on thousands
    // of templates swaps its snapshot a few times, not once per template.
    const pending: T[] = [];
    let scheduled = false;
    let failed = false;
    const schedule = () => {
      if (scheduled) return;
      scheduled = true;
      this.#chain = this.#chain
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => {
          scheduled = false;
          return this.#deliver(pending.splice(0));
        });
      this.#chain.catch((err: unknown) => {
        if (failed) return;
        failed = true;
        this.#caughtUp.reject(err);
        this.#done.reject(err);
        void this.close();
      });
    };
    // A record that cannot be read is skipped, not dead-lettered: every reader reads the whole
    // topic at every start, so each would write the same dead letter again. Until the end of
    // the topic is reached the skipped ones are collected by key, and a later tombstone for
    // the same key (the record deleted: npm run templates:clean) drops one: what is left is
    // warned about once, with what to do about it.
    const skipped = new Map<string, SkippedRecord>();
    let atEnd = false;
    const hint = this.#o.undecodableHint;
    const warnSkipped = (records: SkippedRecord[]) => {
      if (records.length === 0) return;
      logger?.warn(
        {
          topic,
          count: records.length,
          records: records.slice(0, 20),
          ...(hint === undefined ? {} : { fix: hint }),
        },
        `undecodable records skipped${hint === undefined ? '' : `: ${hint}`}`,
      );
    };
    const reader = await kafka.readFromBeginning(
      topic,
      (m) => {
        try {
          pending.push(serde.decode(m.key, m.value));
        } catch (err) {
          const key = m.key?.toString('utf8') ?? '';
          // The deletion of a record that could not be read: nothing left to warn about.
          if (m.value === null) {
            skipped.delete(key);
            return undefined;
          }
          this.#deadLettered++;
          const record = { key, partition: m.partition, offset: String(m.offset), reason: this.#reason(err) };
          if (atEnd) warnSkipped([record]);
          // Bounded: past the cap the warning at the end lists the first ones, the count says more.
          else if (skipped.has(key) || skipped.size < READ_ALL_MAX_PENDING) skipped.set(key, record);
          return undefined;
        }
        schedule();
        return pending.length >= READ_ALL_MAX_PENDING ? this.#chain : undefined;
      },
      { untilEnd: false },
    );
    void reader.caughtUp.then(
      () => {
        atEnd = true;
        warnSkipped([...skipped.values()]);
        skipped.clear();
      },
      () => undefined,
    );
    reader.caughtUp
      // What the reader handled before reaching the end may still wait in `pending`.
      .then(() => this.#chain)
      .then(
        () => this.#caughtUp.resolve(),
        (err: unknown) => this.#caughtUp.reject(err),
      );
    reader.done.then(
      () => undefined,
      (err: unknown) => this.#done.reject(err),
    );
    return reader;
  }

  /** Stops the subscription (what was handled is committed) and the producer if it owns it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const running = await this.#running;
    await running?.close();
    await this.#chain.catch(() => undefined);
    this.#caughtUp.reject(new Error(`channel ${this.name} closed`));
    this.#done.resolve();
    if (this.#producer !== undefined && this.#producer !== this.#o.producer) await this.#producer.close();
  }
}

export interface KafkaChannels {
  /** Closes the four channels and their shared producer. */
  close(): Promise<void>;
  /** Ingest and direct producers → matchers (group KAFKA_GROUP_MATCHER). */
  raw: KafkaChannel<LogRecord>;
  /** Matchers → generator (group KAFKA_GROUP_GENERATOR). */
  unmatched: KafkaChannel<LogRecord>;
  /** Matchers and generator → ClickHouse writer (group KAFKA_GROUP_WRITER). */
  matched: KafkaChannel<StoredLog>;
  /** Generator → every matcher, each reading from the beginning. */
  templates: KafkaChannel<TemplateChange>;
}

/** The pipeline's channels over one client and one producer; consumers start only on subscribe. */
export function createKafkaChannels(
  kafka: Kafka,
  config: KafkaConfig,
  options: { producer?: KafkaProducer; logger?: Logger } = {},
): KafkaChannels {
  const producer = options.producer ?? kafka.producer();
  const common = { kafka, producer, deadLetterTopic: config.topics.deadLetter, logger: options.logger };
  const logRecords = logSerde(AvroCodec.load<LogRecord>('log-record'));
  const channels = {
    raw: new KafkaChannel({
      ...common,
      topic: config.topics.raw,
      serde: logRecords,
      subscription: { mode: 'group', groupId: config.groups.matcher },
    }),
    unmatched: new KafkaChannel({
      ...common,
      topic: config.topics.unmatched,
      serde: logRecords,
      subscription: { mode: 'group', groupId: config.groups.generator },
    }),
    matched: new KafkaChannel({
      ...common,
      topic: config.topics.matched,
      serde: logSerde(AvroCodec.load<StoredLog>('stored-log')),
      subscription: { mode: 'group', groupId: config.groups.writer },
    }),
    templates: new KafkaChannel({
      ...common,
      topic: config.topics.templates,
      serde: templateSerde(AvroCodec.load<Template>('template')),
      subscription: { mode: 'readAll' },
    }),
  };
  return {
    ...channels,
    async close() {
      for (const channel of Object.values(channels)) await channel.close();
      if (options.producer === undefined) await producer.close();
    },
  };
}
