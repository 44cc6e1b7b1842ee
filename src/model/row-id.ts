import { createHash, randomFillSync } from 'node:crypto';

/**
 * Row ids: UInt64 as decimal strings (beyond a JS number). Random where nothing else names the
 * row (standalone): unique without coordination, and the read cursor's tie-breaker. In Kafka
 * mode a log's id is fixed before it is stored, so a replay can find and replace its row.
 */
export function newRowIds(count: number): string[] {
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    if (poolAt === POOL_BYTES) {
      randomFillSync(pool);
      poolAt = 0;
    }
    ids[i] = pool.readBigUInt64BE(poolAt).toString();
    poolAt += 8;
  }
  return ids;
}

/**
 * Random bytes drawn 8 KiB at a time: a call into the CSPRNG per request (a single log's id)
 * was 15% of the service's CPU time under single-log load.
 */
const POOL_BYTES = 8192;
const pool = Buffer.alloc(POOL_BYTES);
let poolAt = POOL_BYTES;

/**
 * The id of the log at `offset` of a topic partition, for records that came without one (a
 * direct producer's): the same record always gets the same id, whoever reads it.
 */
export function rowIdAt(topic: string, partition: number, offset: bigint, sub = 0): string {
  // `sub`: the log's place in a record of several (OTLP); the first keeps the id it always had.
  return createHash('sha256')
    .update(
      sub === 0
        ? `${topic}\u0000${partition}\u0000${offset}`
        : `${topic}\u0000${partition}\u0000${offset}\u0000${sub}`,
    )
    .digest()
    .readBigUInt64BE(0)
    .toString();
}
