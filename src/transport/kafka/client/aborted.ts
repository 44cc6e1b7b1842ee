/**
 * Read-committed fetches without the records of aborted transactions, whatever the fetch holds.
 *
 * @platformatic/kafka (2.12.1, and its main branch) drops an aborted transaction's records only
 * when the same fetch also holds the transaction's abort marker: a fetch that ends inside the
 * aborted transaction delivers its records as if they were committed (docs/kafka.md, "Client
 * traps"). In our pipeline that is a matcher's output of a transaction aborted in a rebalance,
 * which the writer would store, and again when the batch is redone.
 *
 * The rule is Kafka's Java consumer's (Fetcher, KIP-98): the broker lists, per partition, the
 * aborted transactions the fetched range overlaps (producer id, first offset). Walking the
 * batches in offset order, a transaction becomes aborted-and-open once a batch reaches its first
 * offset; a transactional data batch of a producer with one open is skipped; the producer's abort
 * marker closes it. So the list alone decides, marker or no marker in this fetch.
 *
 * A skipped batch keeps its place with no records rather than being removed: the client's
 * message stream takes the next offset to fetch from the fetch's last batch, and a fetch that
 * held only aborted records would otherwise be fetched again forever.
 */
import { IS_CONTROL, IS_TRANSACTIONAL, kGetApi, type Consumer } from '@platformatic/kafka';

/** A control record's key: version (int16), then type (int16): 0 abort, 1 commit. */
const ABORT = 0;

/** What the filter reads of a Fetch response (the same in every version of the API it uses). */
export interface FetchResponse {
  responses: Array<{ partitions: Partition[] }>;
}
interface Partition {
  abortedTransactions?: Array<{ producerId: bigint; firstOffset: bigint }> | null;
  records?: Batch[] | null;
}
interface Batch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  producerId: bigint;
  records: Array<{ key?: Buffer | null }>;
}

/** Empties the batches of aborted transactions in a read-committed fetch response, in place. */
export function skipAbortedBatches(response: FetchResponse): void {
  for (const topic of response.responses) {
    for (const partition of topic.partitions) skipInPartition(partition);
  }
}

function skipInPartition(partition: Partition): void {
  const listed = partition.abortedTransactions;
  const batches = partition.records;
  if (listed == null || listed.length === 0 || batches == null) return;
  const pending = [...listed].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  let next = 0;
  const open = new Set<bigint>();
  for (const batch of batches) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (next < pending.length && pending[next]!.firstOffset <= lastOffset)
      open.add(pending[next++]!.producerId);
    if ((batch.attributes & IS_CONTROL) !== 0) {
      if (batch.records[0]?.key?.readInt16BE(2) === ABORT) open.delete(batch.producerId);
      continue;
    }
    if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && open.has(batch.producerId)) batch.records = [];
  }
}

type ApiCallback = (error: Error | null, api: unknown) => void;
type ApiGetter = (name: string, callback: ApiCallback) => void;

/** Makes this consumer's fetch responses pass skipAbortedBatches before the client reads them. */
export function skipAbortedOn<C extends Consumer<Buffer, Buffer, Buffer, Buffer>>(consumer: C): C {
  const holder = consumer as unknown as Record<typeof kGetApi, ApiGetter>;
  const getApi = holder[kGetApi].bind(consumer);
  holder[kGetApi] = (name, callback) => {
    getApi(name, (error, api) => {
      if (error !== null || name !== 'Fetch' || typeof api !== 'function') {
        callback(error, api);
        return;
      }
      callback(null, withSkipping(api as (...args: unknown[]) => void));
    });
  };
  return consumer;
}

/** The Fetch API function (connection, ...request, callback) with the filter before the callback. */
function withSkipping(api: (...args: unknown[]) => void): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const callback = args.at(-1);
    if (typeof callback !== 'function') {
      api(...args);
      return;
    }
    api(...args.slice(0, -1), (error: Error | null, response: FetchResponse | undefined) => {
      if (error === null && response !== undefined) skipAbortedBatches(response);
      (callback as (e: Error | null, r: FetchResponse | undefined) => void)(error, response);
    });
  };
}
