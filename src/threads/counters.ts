import { declareCounters, type StatsOf } from '../counters.ts';

/** The request threads' counters (src/counters.ts); /stats `threads` is null without them. */
export const THREAD_COUNTERS = declareCounters({
  threads: {
    kind: 'gauge',
    help: 'Worker threads that prepare request bodies (INGEST_THREADS)',
    stats: 'threads.threads',
    metric: 'log_ingest_request_threads',
  },
  inFlight: {
    kind: 'gauge',
    help: 'Request bodies being prepared on the worker threads now',
    stats: 'threads.in_flight',
    metric: 'log_ingest_request_threads_in_flight',
  },
  bodies: {
    kind: 'counter',
    help: 'Request bodies prepared on the worker threads (the others were parsed on the main thread)',
    stats: 'threads.bodies',
    metric: 'log_ingest_request_thread_bodies_total',
  },
  restarts: {
    kind: 'counter',
    help: 'Worker threads replaced after dying or holding a body past the request timeout',
    stats: 'threads.restarts',
    metric: 'log_ingest_request_thread_restarts_total',
  },
});

export type ThreadStats = StatsOf<typeof THREAD_COUNTERS>;
