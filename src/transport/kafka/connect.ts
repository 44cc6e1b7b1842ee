import type { Config, Role } from '../../config.ts';
import type { LogRecord, StoredLog } from '../../model/log.ts';
import type { Template } from '../../model/template.ts';
import type { TemplateChange } from '../../model/template-change.ts';
import type { Logger } from '../../logger.ts';
import { AvroCodec } from './avro/codec.ts';
import { KafkaChannel, logSerde, templateSerde } from './channel.ts';
import { createKafka, type Kafka } from './client/index.ts';
import { ensureTopics } from './topics.ts';

/** A Kafka client for one role, with the service's topics created if missing. */
export async function connectKafka(config: Config, role: Exclude<Role, 'all'>): Promise<Kafka> {
  const brokers = config.kafka.brokers;
  if (brokers === undefined) throw new Error(`the ${role} role needs KAFKA_BROKERS`);
  const kafka = createKafka({
    brokers,
    clientId: `${config.kafka.clientId}-${role}`,
    fetchMaxBytes: config.kafka.fetchMaxBytes,
  });
  try {
    await ensureTopics(kafka.admin, config.kafka);
  } catch (err) {
    await kafka.close().catch(() => undefined);
    throw err;
  }
  return kafka;
}

/**
 * Stable per process (KAFKA_INSTANCE_ID), distinct per role and consumer group: the transactional
 * id of a role's producer and its static group membership (group.instance.id).
 */
export const transactionalId = (config: Config, role: Exclude<Role, 'all'>) =>
  `${config.kafka.clientId}-${role}-${config.kafka.instanceId}`;

/** The codecs of the topics, loaded once per process. */
export const serdes = {
  logRecord: () => logSerde(AvroCodec.load<LogRecord>('log-record')),
  storedLog: () => logSerde(AvroCodec.load<StoredLog>('stored-log')),
  template: () => templateSerde(AvroCodec.load<Template>('template')),
};

/** What the warning about an unreadable templates record tells the operator to do. */
export const TEMPLATES_CLEAN_HINT =
  'no reader can use these records; delete them (a tombstone per key) with `npm run templates:clean` and the same KAFKA_* settings';

/**
 * The templates topic read from its first offset by this process alone (no group offsets):
 * every matcher, the generator and the writer each need all of it.
 */
export function templatesTopic(kafka: Kafka, config: Config, logger: Logger): KafkaChannel<TemplateChange> {
  return new KafkaChannel<TemplateChange>({
    kafka,
    topic: config.kafka.topics.templates,
    serde: serdes.template(),
    deadLetterTopic: config.kafka.topics.deadLetter,
    subscription: { mode: 'readAll' },
    logger,
    undecodableHint: TEMPLATES_CLEAN_HINT,
  });
}
