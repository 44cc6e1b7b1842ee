import type { KafkaMessage, OutgoingMessage } from './client/index.ts';

/** Headers on a dead letter, next to the original record's own headers. */
export const DEAD_LETTER_HEADERS = {
  reason: 'dead-letter-reason',
  topic: 'dead-letter-topic',
  partition: 'dead-letter-partition',
  offset: 'dead-letter-offset',
  group: 'dead-letter-group',
} as const;

/**
 * The record to send to the dead-letter topic for `message`, which could not be read: its key,
 * value and headers unchanged, plus why and where it came from, so it can be inspected and
 * replayed.
 */
export function deadLetterFor(
  message: KafkaMessage,
  reason: string,
  deadLetterTopic: string,
  groupId: string,
): OutgoingMessage {
  const h = DEAD_LETTER_HEADERS;
  return {
    topic: deadLetterTopic,
    key: message.key ?? Buffer.alloc(0),
    value: message.value,
    headers: {
      ...message.headers,
      [h.reason]: reason,
      [h.topic]: message.topic,
      [h.partition]: String(message.partition),
      [h.offset]: String(message.offset),
      [h.group]: groupId,
    },
  };
}
