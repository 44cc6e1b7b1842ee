/**
 * A named stream of items between two stages. The in-process channel delivers to its
 * subscribers synchronously; the Kafka channel (kafka/channel.ts) produces to a topic and
 * resolves once the broker has acknowledged. Stages see only this interface.
 */
export interface Channel<T> {
  readonly name: string;
  publish(items: readonly T[]): void | Promise<void>;
  /**
   * A handler may return a promise: the Kafka channel commits a batch's offsets only after it
   * resolves (a rejection stops the consumer, and the batch is delivered again). The
   * in-process channel does not wait for it.
   */
  subscribe(handler: (items: readonly T[]) => void | Promise<void>): void;
}
