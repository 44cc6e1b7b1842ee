import { declareCounters, type StatsOf } from '../counters.ts';

/** The write-ahead log's counters (standalone; see src/counters.ts for the fields). */
export const WAL_COUNTERS = declareCounters({
  bytes: {
    kind: 'gauge',
    help: 'Bytes of write-ahead-log segments on disk',
    stats: 'wal.bytes',
    metric: 'log_ingest_wal_bytes',
  },
  maxBytes: {
    kind: 'gauge',
    help: 'Ceiling of write-ahead-log bytes (INGEST_WAL_MAX_BYTES)',
    stats: 'wal.max_bytes',
  },
  segments: {
    kind: 'gauge',
    help: 'Write-ahead-log segments on disk',
    stats: 'wal.segments',
    metric: 'log_ingest_wal_segments',
  },
  appends: {
    kind: 'counter',
    help: 'Records appended to the write-ahead log (one per accepted request)',
    stats: 'wal.appends',
    metric: 'log_ingest_wal_appends_total',
  },
  fsyncs: {
    kind: 'counter',
    help: 'fdatasync calls on the write-ahead log (INGEST_WAL_SYNC=fsync), each shared by the requests waiting',
    stats: 'wal.fsyncs',
    metric: 'log_ingest_wal_fsyncs_total',
  },
  writeErrors: {
    kind: 'counter',
    help: 'Appends or fsyncs that failed (ENOSPC, EIO): their requests were answered 503',
    stats: 'wal.write_errors',
    metric: 'log_ingest_wal_write_errors_total',
  },
  replayedRows: {
    kind: 'counter',
    help: 'Logs found in the write-ahead log at start and not in storage: stored (or held) again',
    stats: 'wal.replayed_rows',
    metric: 'log_ingest_wal_replayed_rows_total',
  },
  droppedRecords: {
    kind: 'counter',
    help: 'Damaged records (torn or failing their checksum) cut from the write-ahead log at start',
    stats: 'wal.dropped_records',
    metric: 'log_ingest_wal_dropped_records_total',
  },
  lastError: { kind: 'text', help: 'The last write-ahead-log write error', stats: 'wal.last_error' },
});

export type WalStats = StatsOf<typeof WAL_COUNTERS>;
