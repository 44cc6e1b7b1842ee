/**
 * The one folder that imports the Kafka client SDK (@platformatic/kafka; why, in docs/kafka.md
 * "Client choice"). Everything else sees Buffers, bigint offsets, plain records and our typed
 * errors, so the client can be swapped here alone.
 */
import { randomUUID } from 'node:crypto';
import {
  Consumer,
  FetchIsolationLevels,
  type Admin,
  type MessagesStream,
  type Message,
} from '@platformatic/kafka';
import { toKafkaError } from '../errors.ts';
import { skipAbortedOn } from './aborted.ts';

/**
 * What the parts of one client share: the connection settings, the admin connection, and
 * what the client's close() must close (each part adds its own close and removes it when done).
 */
export interface ClientContext {
  readonly clientId: string;
  readonly base: { clientId: string; bootstrapBrokers: string[] };
  /** Bytes one fetch of a consumer may return, decoded into records at once. */
  readonly fetchMaxBytes: number;
  readonly admin: Admin;
  readonly closers: Set<() => Promise<void>>;
}

/** Runs a client call, reporting its failure as our KafkaError (code, retryable). */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKafkaError(err, what);
  }
}

/**
 * Bytes one fetch may return unless the client is told otherwise (KAFKA_FETCH_MAX_BYTES). The
 * client's default, 50 MB, is decoded into objects all at once: a matcher starting on a backlog
 * peaked near 900 MB (bench:kafka). 1 MiB is still about 5,000 logs per fetch, which is what
 * batching needs; against 4 MiB it saved a matcher 9% of its peak RSS for no CPU per log
 * (docs/benchmarks.md, "Kafka matcher memory").
 */
export const FETCH_MAX_BYTES = 1024 * 1024;

/** Transactions leave commit markers in the log; consumers skip them and aborted records. */
export const READ_COMMITTED = FetchIsolationLevels.READ_COMMITTED;

/** Carries a handler's own error through the consumer loop, so it is not taken for Kafka's. */
export class HandlerFailure extends Error {}

export async function callHandler<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new HandlerFailure('handler failed', { cause: err });
  }
}

/**
 * Runs `stream` in fetch-sized chunks: what is buffered when a message arrives is what one fetch
 * returned, so draining it gives batches without waiting for a size or a timer.
 */
export async function drain(
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>,
  onChunk: (chunk: Message[]) => Promise<void>,
): Promise<void> {
  let chunk: Message[] = [];
  for await (const m of stream as AsyncIterable<Message>) {
    chunk.push(m);
    if (chunk.length >= 5000 || stream.readableLength === 0) {
      const ready = chunk;
      chunk = [];
      await onChunk(ready);
    }
  }
  if (chunk.length > 0) await onChunk(chunk);
}

/** Group members' sessions: a member silent this long is taken out of the group. */
const SESSION_TIMEOUT_MS = 10_000;

/** What a group member asks of its consumer beyond the group id. */
export interface MemberConsumerOptions {
  groupId: string;
  sessionTimeoutMs?: number | undefined;
  /** Static membership (group.instance.id): a restart within the session takes its partitions back. */
  instanceId?: string | undefined;
  /** Awaited before every JoinGroup (see groupMember). */
  beforeJoin?: (() => Promise<void>) | undefined;
}

/**
 * A consumer of this client. `groupId` undefined: a group of one with a fresh id that never
 * commits (the client has no group-less assign()), for reads that keep no offsets.
 */
export function newConsumer(ctx: ClientContext, group: MemberConsumerOptions | { oneOff: string }): Consumer {
  if ('oneOff' in group) {
    return skipAbortedOn(
      new Consumer({
        ...ctx.base,
        maxBytes: ctx.fetchMaxBytes,
        groupId: `${ctx.clientId}-${group.oneOff}-${randomUUID()}`,
        maxWaitTime: 500,
      }),
    );
  }
  const beforeJoin = group.beforeJoin;
  // Every consumer reads committed records only, and the client needs help there (aborted.ts).
  return skipAbortedOn(
    new Consumer({
      ...ctx.base,
      maxBytes: ctx.fetchMaxBytes,
      groupId: group.groupId,
      sessionTimeout: group.sessionTimeoutMs ?? SESSION_TIMEOUT_MS,
      heartbeatInterval: 1000,
      maxWaitTime: 500,
      // Incremental rebalances: only the partitions that change owner stop. roundrobin (the
      // client's default, eager: every partition stops) stays listed so that members of an older
      // version and this one agree on a protocol during a rolling upgrade.
      protocols: [
        { name: 'cooperative-sticky', version: 3 },
        { name: 'roundrobin', version: 1 },
      ],
      // The broker refuses whitespace in an instance id; KAFKA_INSTANCE_ID may hold some, and
      // encoding keeps distinct ids distinct.
      ...(group.instanceId === undefined ? {} : { groupInstanceId: encodeURIComponent(group.instanceId) }),
      ...(beforeJoin === undefined
        ? {}
        : { protocolsMetadata: async () => beforeJoin().then(() => Buffer.alloc(0)) }),
    }),
  );
}

/** What stopped a read loop: the handler's own error as it was, anything else as a KafkaError. */
export function failureOf(err: unknown, what: string): unknown {
  return err instanceof HandlerFailure ? err.cause : toKafkaError(err, what);
}
