import { declareCounters, type StatsOf } from '../../counters.ts';

/** The syslog input's counters (src/counters.ts); /stats `syslog` is null while it is off. */
export const SYSLOG_COUNTERS = declareCounters({
  received: {
    kind: 'counter',
    help: 'Syslog messages received (TCP frames and UDP datagrams)',
    stats: 'syslog.received',
    metric: 'log_ingest_syslog_messages_received_total',
  },
  accepted: {
    kind: 'counter',
    help: 'Syslog messages accepted by ingestion',
    stats: 'syslog.accepted',
    metric: 'log_ingest_syslog_messages_accepted_total',
  },
  invalid: {
    kind: 'counter',
    help: 'Syslog messages refused by validation (an empty message, a limit) or not UTF-8',
    stats: 'syslog.invalid',
    metric: 'log_ingest_syslog_messages_invalid_total',
  },
  unparsed: {
    kind: 'counter',
    help: 'Syslog messages without a PRI, stored whole as the message (user.notice)',
    stats: 'syslog.unparsed',
    metric: 'log_ingest_syslog_messages_unparsed_total',
  },
  oversized: {
    kind: 'counter',
    help: 'Syslog frames or datagrams over SYSLOG_MAX_MESSAGE_BYTES, dropped (an octet count over it also closes its connection)',
    stats: 'syslog.oversized',
    metric: 'log_ingest_syslog_messages_oversized_total',
  },
  droppedFull: {
    kind: 'counter',
    help: 'Syslog messages dropped because the service was full or draining (UDP; TCP stops reading instead)',
    stats: 'syslog.dropped_full',
    metric: 'log_ingest_syslog_messages_dropped_full_total',
  },
  droppedRateLimited: {
    kind: 'counter',
    help: 'Syslog messages dropped because SYSLOG_ORG was over its rate (UDP; TCP stops reading instead)',
    stats: 'syslog.dropped_rate_limited',
    metric: 'log_ingest_syslog_messages_dropped_rate_limited_total',
  },
  pauses: {
    kind: 'counter',
    help: 'Times a syslog TCP connection stopped being read until the service had room or the org rate allowed',
    stats: 'syslog.tcp_pauses',
    metric: 'log_ingest_syslog_tcp_pauses_total',
  },
  connections: {
    kind: 'gauge',
    help: 'Open syslog TCP connections',
    stats: 'syslog.connections',
    metric: 'log_ingest_syslog_connections',
  },
  connectionsRefused: {
    kind: 'counter',
    help: 'Syslog TCP connections closed at accept: over SYSLOG_MAX_CONNECTIONS or SYSLOG_MAX_CONNECTIONS_PER_CLIENT',
    stats: 'syslog.connections_refused',
    metric: 'log_ingest_syslog_connections_refused_total',
  },
  connectionsTimedOut: {
    kind: 'counter',
    help: 'Syslog TCP connections closed for SYSLOG_IDLE_TIMEOUT_SECS or SYSLOG_FRAME_TIMEOUT_SECS',
    stats: 'syslog.connections_timed_out',
    metric: 'log_ingest_syslog_connections_timed_out_total',
  },
});

export type SyslogStats = StatsOf<typeof SYSLOG_COUNTERS>;
