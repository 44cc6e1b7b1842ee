import type { KafkaConfig } from '../../config.ts';
import type { KafkaAdmin, TopicSpec } from './client/index.ts';

/**
 * The service's five topics. Only `templates` is compacted: a matcher rebuilds every org's
 * templates from it, so the latest record per key must outlive retention. The log topics
 * (and the dead letters) are streams that expire with the broker's retention.
 */
export function topicSpecs(config: KafkaConfig): TopicSpec[] {
  const spec = (name: string, policy: 'compact' | 'delete'): TopicSpec => ({
    name,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    config: { 'cleanup.policy': policy },
  });
  return [
    spec(config.topics.raw, 'delete'),
    spec(config.topics.unmatched, 'delete'),
    spec(config.topics.matched, 'delete'),
    spec(config.topics.templates, 'compact'),
    spec(config.topics.deadLetter, 'delete'),
  ];
}

/**
 * Creates what is missing at start, in every role (creation is idempotent and races between
 * processes are absorbed by the client); an existing topic with the wrong cleanup policy
 * stops the start with KAFKA_TOPIC_MISMATCH.
 */
export async function ensureTopics(admin: KafkaAdmin, config: KafkaConfig): Promise<void> {
  await admin.ensureTopics(topicSpecs(config));
}
