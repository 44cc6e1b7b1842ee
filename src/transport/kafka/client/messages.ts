/** Records between the client SDK's shapes and ours, and sends cut to the broker's size limit. */
import type { Message } from '@platformatic/kafka';
import type { KafkaBatch, KafkaMessage, OutgoingMessage } from './types.ts';

export function toMessage(m: Message): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of m.headers) headers[k.toString()] = v;
  // The client delivers a tombstone's value as undefined (and a missing key likewise).
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers,
    timestamp: m.timestamp,
  };
}

/**
 * A partition's records from offset `from` on, each once, in offset order. The client may hand
 * a record over twice in one chunk: a rebalance resets every assigned partition to its committed
 * offset and fetches again, while what the previous fetch returned is still buffered behind it
 * (the test of a member leaving found a run of a partition's records repeated in one batch, its
 * output published twice and its offsets committed backwards). Offsets are not contiguous in a
 * transactional topic (commit markers), so "next" is the last kept offset plus one.
 */
export function unseen(msgs: readonly Message[], from: bigint): Message[] {
  const kept: Message[] = [];
  let next = from;
  for (const m of msgs) {
    if (m.offset < next) continue;
    kept.push(m);
    next = m.offset + 1n;
  }
  return kept;
}

/** A partition's messages, as one batch of ours. */
export function batchOf(msgs: Message[]): KafkaBatch {
  const first = msgs[0] as Message;
  return { topic: first.topic, partition: first.partition, messages: msgs.map(toMessage) };
}

export function toProduceMessages(messages: readonly OutgoingMessage[]) {
  return messages.map((m) => ({
    topic: m.topic,
    key: typeof m.key === 'string' ? Buffer.from(m.key) : m.key,
    value: m.value ?? undefined,
    headers:
      m.headers === undefined
        ? undefined
        : new Map(
            Object.entries(m.headers).map(([k, v]) => [
              Buffer.from(k),
              typeof v === 'string' ? Buffer.from(v) : v,
            ]),
          ),
  }));
}

/**
 * A broker refuses a record batch over `message.max.bytes` (1 MiB by default) with
 * MESSAGE_TOO_LARGE, which the client reports as "Producing messages failed": a matcher's
 * output for a full fetch, or a 10 MB ingest request, is one partition's batch when one org
 * sent it. Sends are cut into parts well under that; in a transaction the parts commit together.
 */
const MAX_SEND_BYTES = 512 * 1024;
/** Record framing on top of key, value and headers (varints, attributes, deltas): an upper bound. */
const RECORD_OVERHEAD_BYTES = 32;

export function* underRequestLimit(messages: readonly OutgoingMessage[]): Generator<OutgoingMessage[]> {
  let chunk: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    let size = RECORD_OVERHEAD_BYTES + (m.value?.length ?? 0) + Buffer.byteLength(m.key);
    for (const [k, v] of Object.entries(m.headers ?? {}))
      size += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
    if (chunk.length > 0 && bytes + size > MAX_SEND_BYTES) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
