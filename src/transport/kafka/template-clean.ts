/**
 * Deletes the records of the templates topic whose key is not `<org>:<id>` (written by versions
 * that did not check the key, e.g. `:2809261701581785` for an empty org). No reader can use
 * them, and every reader warns about them at every start; a tombstone for the same key makes
 * compaction remove them, and readers skip the tombstone in silence.
 */
import type { Kafka } from './client/index.ts';
import { parseTemplateKey } from './template-key.ts';

export interface MalformedTemplateKey {
  /** The key as UTF-8 text (what the readers' warning shows). */
  key: string;
  partition: number;
  offset: string;
}

/** The malformed keys that still have a record (not yet followed by a tombstone). */
export async function findMalformedTemplateKeys(
  kafka: Kafka,
  topic: string,
): Promise<Map<string, MalformedTemplateKey & { raw: Buffer }>> {
  const live = new Map<string, MalformedTemplateKey & { raw: Buffer }>();
  const reader = await kafka.readFromBeginning(
    topic,
    (m) => {
      if (m.key === null) return;
      try {
        parseTemplateKey(m.key);
        return;
      } catch {
        // Keyed by the bytes: two keys that decode to the same text are still two keys.
        const id = m.key.toString('hex');
        if (m.value === null) live.delete(id);
        else
          live.set(id, {
            key: m.key.toString('utf8'),
            partition: m.partition,
            offset: String(m.offset),
            raw: m.key,
          });
      }
    },
    { untilEnd: true },
  );
  await reader.done;
  return live;
}

/** Writes a tombstone for each malformed key still live; returns the keys (all of them with dryRun). */
export async function deleteMalformedTemplateKeys(
  kafka: Kafka,
  topic: string,
  options: { dryRun?: boolean } = {},
): Promise<MalformedTemplateKey[]> {
  const found = [...(await findMalformedTemplateKeys(kafka, topic)).values()];
  if (found.length > 0 && options.dryRun !== true) {
    const producer = kafka.producer();
    try {
      await producer.send(found.map((k) => ({ topic, key: k.raw, value: null })));
    } finally {
      await producer.close();
    }
  }
  return found.map(({ key, partition, offset }) => ({ key, partition, offset }));
}
