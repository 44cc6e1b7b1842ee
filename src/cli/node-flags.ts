/**
 * The V8 flags the service is started with: `npm start`, the image's CMD (Dockerfile), and the
 * benchmarks that start it (bench:e2e, bench:soak); test/unit/deploy/node-flags.test.ts holds
 * package.json and the Dockerfile to this list. They cannot be set from inside the process: V8
 * sizes its heap before any of our code runs.
 *
 * --max-semi-space-size=4 (MiB): V8 grows the young generation to 128 MiB on this 24 GiB machine,
 * and under bench:e2e's load it stays there, resident. With 4 MiB the service's peak RSS was
 * 0.81x (663 against 823 MB) for 1.02x the CPU per stored log (docs/benchmarks.md, "Memory").
 * Worker threads (INGEST_THREADS) take it too: their young generation is 8 MiB with it, 128 MiB
 * without (v8.getHeapSpaceStatistics() inside a worker).
 *
 * --heap-growing-percent=30: after each full GC, V8 lets the old generation grow to 1.3x what
 * survived before the next, instead of up to 4x when the thread is busy (its own heuristic).
 * Under bench:e2e's load, where the write buffer's rows come and go, the heap's pages at the
 * peak fell from 115-146 to 80 MB and the service's peak RSS was 0.83x and 0.88x in two runs,
 * for 0.98x and 1.10x the CPU per stored log (15 saved more and cost 1.16x): unlike a fixed
 * old-space cap, the ceiling follows what is live, so a heap that needs more still gets it
 * (docs/benchmarks.md, "Second round").
 */
export const NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=30'] as const;

/**
 * A Kafka-mode matcher's flags: without --heap-growing-percent=30. A matcher's garbage is the
 * decoded fetches and the batch in flight while its transaction waits, promoted out of the 4 MiB
 * young generation; with the flag, V8 collects the old generation so often that the matcher took
 * 13,762 records per CPU second against 22,210 without it (0.62x) for a peak of 251 against
 * 419 MB under a 248,000-log backlog (bench:kafka --memory, docs/benchmarks.md, "Kafka matcher
 * memory"). Matchers are what Kafka mode adds cores of, so they keep their CPU; k8s/matcher.yaml
 * and docker-compose.yml's matcher start with these. Capping the old generation instead
 * (--max-old-space-size=128 to 256) cost 0.60-0.77x for 184-194 MB, and would kill a matcher whose
 * templates need more ("A lean matcher" there): no flag cuts the garbage for free.
 */
export const MATCHER_NODE_FLAGS = NODE_FLAGS.filter((f) => !f.startsWith('--heap-growing-percent='));
