/** Topics and offsets: creating and checking topics, and where partitions start and end. */
import { ConfigResourceTypes, type Admin } from '@platformatic/kafka';
import { KafkaError } from '../errors.ts';
import { guard, READ_COMMITTED } from './context.ts';
import type { KafkaAdmin } from './types.ts';

const LEADER_WAIT_MS = 10_000;

/** The admin calls of one client, on its one admin connection. */
export function createAdmin(admin: Admin): KafkaAdmin {
  return {
    async ensureTopics(specs) {
      const existing = new Set(await guard('list topics', () => admin.listTopics()));
      const missing = specs.filter((s) => !existing.has(s.name));
      for (const s of missing) {
        await guard(`create topic ${s.name}`, () =>
          admin.createTopics({
            topics: [s.name],
            partitions: s.partitions,
            replicas: s.replicationFactor,
            configs: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
          }),
        ).catch((err: unknown) => {
          // Another process (a second matcher starting) created it between list and create.
          const cause = (err as { cause?: { findBy?: (k: string, v: unknown) => unknown } }).cause;
          if (cause?.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS') == null) throw err;
        });
      }
      if (missing.length > 0)
        await waitForLeaders(
          admin,
          missing.map((s) => s.name),
        );
      // An existing topic with the wrong cleanup policy would silently lose templates (delete)
      // or never expire logs (compact): refuse to start rather than run on it.
      for (const s of specs) {
        if (!existing.has(s.name) || s.config === undefined) continue;
        const actual = await topicConfig(admin, s.name);
        for (const [k, v] of Object.entries(s.config)) {
          if (actual[k] !== v) {
            throw new KafkaError(
              'KAFKA_TOPIC_MISMATCH',
              `topic ${s.name} has ${k}=${actual[k] ?? '(unset)'}, the service needs ${v}`,
            );
          }
        }
      }
    },
    endOffsets: (topic) => endOffsets(admin, topic),
    startOffsets: (topic) => offsetsAt(admin, topic, -2n),
    async offsetsForTime(topic, ms) {
      const [at, ends] = await Promise.all([offsetsAt(admin, topic, BigInt(ms)), endOffsets(admin, topic)]);
      // The broker answers -1 for a partition with nothing at or after the time.
      return at.map((o, p) => (o < 0n ? (ends[p] ?? 0n) : o));
    },
    async committedOffsets(groupId, topic) {
      const n = await guard(`partitions of ${topic}`, () => partitionCount(admin, topic));
      const [group] = await guard(`committed offsets of ${groupId}`, () =>
        admin.listConsumerGroupOffsets({
          groups: [
            { groupId, topics: [{ name: topic, partitionIndexes: Array.from({ length: n }, (_, p) => p) }] },
          ],
        }),
      );
      const out = Array.from({ length: n }, () => -1n);
      for (const p of group?.topics.find((t) => t.name === topic)?.partitions ?? []) {
        out[p.partitionIndex] = p.committedOffset < 0n ? -1n : p.committedOffset;
      }
      return out;
    },
    topicConfig: (topic) => topicConfig(admin, topic),
    async deleteTopics(names) {
      if (names.length > 0) await guard('delete topics', () => admin.deleteTopics({ topics: [...names] }));
    },
  };
}

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const meta = await admin.metadata({ topics: [topic], forceUpdate: true });
  const t = meta.topics.get(topic);
  if (t === undefined) throw new KafkaError('KAFKA_ERROR', `topic ${topic} does not exist`);
  return t.partitionsCount;
}

/** Per partition: -1n the end (last stable offset), -2n the start, else the first at or after a time. */
async function offsetsAt(admin: Admin, topic: string, timestamp: bigint): Promise<bigint[]> {
  return guard(`offsets of ${topic}`, async () => {
    const n = await partitionCount(admin, topic);
    const listed = await admin.listOffsets({
      // The last stable offset: a reader that must reach the end waits for open transactions.
      isolationLevel: READ_COMMITTED,
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: n }, (_, p) => ({ partitionIndex: p, timestamp })),
        },
      ],
    });
    const out = Array.from({ length: n }, () => 0n);
    for (const p of listed[0]?.partitions ?? []) out[p.partitionIndex] = p.offset;
    return out;
  });
}

export async function endOffsets(admin: Admin, topic: string): Promise<bigint[]> {
  return offsetsAt(admin, topic, -1n);
}

async function topicConfig(admin: Admin, topic: string): Promise<Record<string, string>> {
  return guard(`describe configs of ${topic}`, async () => {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
    });
    const out: Record<string, string> = {};
    for (const c of described?.configs ?? []) if (typeof c.value === 'string') out[c.name] = c.value;
    return out;
  });
}

// createTopics returns before the partitions have leaders; a first send in that window is
// retried by the client and, measured here, can even be written twice without idempotence.
async function waitForLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    const meta = await admin.metadata({ topics: [...names], forceUpdate: true }).catch(() => undefined);
    const ready = names.every((n) => {
      const t = meta?.topics.get(n);
      return (
        t !== undefined &&
        t.partitions.length === t.partitionsCount &&
        t.partitions.every((p) => p.leader >= 0)
      );
    });
    if (ready) return;
    if (Date.now() > deadline)
      throw new KafkaError(
        'KAFKA_UNAVAILABLE',
        `topics ${names.join(', ')} have no leader after ${LEADER_WAIT_MS} ms`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
