/** The plain producer: acks from every in-sync replica, idempotent, sends cut to the size limit. */
import { ProduceAcks, Producer } from '@platformatic/kafka';
import { guard, type ClientContext } from './context.ts';
import { toProduceMessages, underRequestLimit } from './messages.ts';
import type { KafkaProducer, ProducerOptions } from './types.ts';

export function createProducer(ctx: ClientContext, po: ProducerOptions = {}): KafkaProducer {
  // Idempotent: the client retries a produce whose answer it lost; without idempotence the
  // broker writes those records twice.
  const p = new Producer({
    ...ctx.base,
    acks: ProduceAcks.ALL,
    idempotent: true,
    ...(po.retries === undefined ? {} : { retries: Math.max(2, po.retries) }),
  });
  const close = async () => {
    ctx.closers.delete(close);
    await p.close();
  };
  ctx.closers.add(close);
  return {
    async send(messages) {
      if (messages.length === 0) return;
      for (const chunk of underRequestLimit(messages)) {
        await guard('send', () => p.send({ acks: ProduceAcks.ALL, messages: toProduceMessages(chunk) }));
      }
    },
    close,
  };
}
