import { declareCounters, type StatsOf } from '../counters.ts';

/** The store's counters (see src/counters.ts for what each field of a declaration does). */
export const STORE_COUNTERS = declareCounters({
  bufferedRows: { kind: 'gauge', help: 'Rows waiting in the write buffer', stats: 'buffer.rows' },
  inFlightRows: { kind: 'gauge', help: 'Rows in the insert being written', stats: 'buffer.in_flight_rows' },
  // Not counted by the writer: the process adds its ceiling (CLICKHOUSE_BUFFER_MAX_ROWS; 0 in Kafka roles).
  bufferMaxRows: { kind: 'gauge', help: 'Ceiling of buffered rows', stats: 'buffer.max_rows' },
  flushes: {
    kind: 'counter',
    help: 'Successful ClickHouse inserts',
    stats: 'storage.flushes',
    metric: 'log_ingest_clickhouse_flushes_total',
  },
  flushedRows: {
    kind: 'counter',
    help: 'Rows written to ClickHouse',
    stats: 'storage.rows_written',
    metric: 'log_ingest_clickhouse_rows_written_total',
  },
  writeErrors: {
    kind: 'counter',
    help: 'Failed ClickHouse insert attempts',
    stats: 'storage.write_errors',
    metric: 'log_ingest_clickhouse_write_errors_total',
  },
  failing: {
    kind: 'flag',
    help: 'True after a failed insert attempt until the next success',
    stats: 'storage.failing',
  },
  lastError: { kind: 'text', help: 'The last insert error', stats: 'storage.last_error' },
});

export type StoreStats = StatsOf<typeof STORE_COUNTERS>;
/** What a BatchWriter counts itself. */
export type WriterStats = Omit<StoreStats, 'bufferMaxRows'>;
