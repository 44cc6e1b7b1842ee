import type { Channel } from './types.ts';

/**
 * The standalone transport: publishing calls each subscriber in turn, in the caller's tick.
 * Backpressure is not the channel's business: the stages bound their own queues and the
 * HTTP layer asks them for room before it accepts a request.
 */
export class InProcessChannel<T> implements Channel<T> {
  readonly name: string;
  readonly #handlers: Array<(items: readonly T[]) => void> = [];

  constructor(name: string) {
    this.name = name;
  }

  publish(items: readonly T[]): void {
    if (items.length === 0) return;
    for (const handler of this.#handlers) handler(items);
  }

  subscribe(handler: (items: readonly T[]) => void): void {
    this.#handlers.push(handler);
  }
}
