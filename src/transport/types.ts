/**
 * A named stream of items between two stages. The in-process channel delivers to its
 * subscribers synchronously; the Kafka channel (its own issue) produces to a topic and
 * resolves once the broker has acknowledged. Stages see only this interface.
 */
export interface Channel<T> {
  readonly name: string;
  publish(items: readonly T[]): void | Promise<void>;
  subscribe(handler: (items: readonly T[]) => void): void;
}
