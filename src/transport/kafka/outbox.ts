import type { Channel } from '../types.ts';
import type { OutgoingMessage } from './client/index.ts';
import { toOutgoing, type Serde } from './channel.ts';

/**
 * The output side of a transform (transform.ts): a stage publishes to it as to any channel, and
 * the records wait here until the batch that caused them is committed in one transaction with
 * its consumer offsets. Publishing is synchronous, so the hot path does not wait on Kafka.
 */
export class KafkaOutbox<T> implements Channel<T> {
  readonly name: string;
  readonly #serde: Serde<T>;
  #pending: OutgoingMessage[] = [];

  constructor(topic: string, serde: Serde<T>) {
    this.name = topic;
    this.#serde = serde;
  }

  publish(items: readonly T[]): void {
    for (const item of items) this.#pending.push(toOutgoing(this.#serde, this.name, item));
  }

  subscribe(): void {
    throw new Error(`${this.name}: an outbox is only published to`);
  }

  /** What was published since the last take, in order. */
  take(): OutgoingMessage[] {
    const out = this.#pending;
    this.#pending = [];
    return out;
  }
}
