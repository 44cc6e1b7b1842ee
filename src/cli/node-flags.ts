/**
 * The V8 flags the service is started with: `npm start`, the image's CMD (Dockerfile), and the
 * benchmarks that start it (bench:e2e, bench:soak); test/unit/deploy/node-flags.test.ts holds
 * package.json and the Dockerfile to this list. They cannot be set from inside the process: V8
 * sizes its heap before any of our code runs.
 *
 * --max-semi-space-size=4 (MiB): V8 grows the young generation to 128 MiB on this 24 GiB machine,
 * and under bench:e2e's load it stays there, resident. With 4 MiB the service's peak RSS was
 * 0.81x (663 against 823 MB) for 1.02x the CPU per stored log (docs/benchmarks.md, "Memory").
 */
export const NODE_FLAGS = ['--max-semi-space-size=4'] as const;
