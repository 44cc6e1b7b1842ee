// How long one hostile or merely large request holds the event loop (`npm run bench:stall`):
// the standalone service in this process, on its real socket, and for each request shape the
// longest event-loop delay (perf_hooks' monitorEventLoopDelay, 1 ms resolution) from the
// request until its logs are stored, beside the limit (issue 15, point 4: "a few tens of
// milliseconds"; 50 ms here) and beside a request of one ordinary log measured the same way.
// While the loop is held, every other request, /health included, waits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { MAX_TEMPLATE_TOKENS } from '../src/model/template.ts';
import { startStandalone } from '../src/roles/standalone.ts';
import { Report } from './report.ts';

const LIMIT_MS = 50;

interface Shape {
  name: string;
  contentType: string;
  body: () => string;
  /** The status the request must get. */
  status: number;
}

const json = (logs: Array<{ org: string; message: string }>): string => JSON.stringify({ logs });
let serial = 0;
const distinct = (): string => `${++serial}`;

const ALL_SHAPES: Shape[] = [
  {
    name: 'one ordinary log (the reference)',
    contentType: 'application/json',
    body: () => json([{ org: 'ref', message: `user ${distinct()} logged in` }]),
    status: 200,
  },
  {
    name: '10,000 ordinary logs (the most one request may hold)',
    contentType: 'application/json',
    body: () =>
      json(
        Array.from({ length: 10_000 }, (_, k) => ({ org: 'big', message: `took ${k} ms in step ${k % 50}` })),
      ),
    status: 200,
  },
  {
    name: '150 lines of 32,000 one-character tokens',
    contentType: 'application/json',
    body: () =>
      json(
        Array.from({ length: 150 }, () => ({
          org: 'long',
          message: `${distinct()} ${'a '.repeat(31_999)}`.trim(),
        })),
      ),
    status: 200,
  },
  {
    name: `250 distinct lines of ${MAX_TEMPLATE_TOKENS} tokens (mined)`,
    contentType: 'application/json',
    body: () =>
      json(
        Array.from({ length: 250 }, (_, k) => ({
          org: 'limit',
          message: Array.from({ length: MAX_TEMPLATE_TOKENS }, (_, t) => `w${(t * 7 + k) % 97}`).join(' '),
        })),
      ),
    status: 200,
  },
  {
    name: '9.9 MB JSON array of 4.95 million zeros',
    contentType: 'application/json',
    body: () => `[${'0,'.repeat(4_950_000)}0]`,
    status: 413,
  },
  {
    name: '9.9 MB of NDJSON, 4.95 million one-character lines',
    contentType: 'application/x-ndjson',
    body: () => 'a\n'.repeat(4_950_000),
    status: 413,
  },
];

// `-- --only N[,M]`: only these shapes (1-based), e.g. to profile one; `--json FILE` as every bench;
// `--threads N`: INGEST_THREADS (default: the cores; 1 is the path before the request threads).
const argValue = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
};
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg < 0 ? undefined : new Set((process.argv[onlyArg + 1] ?? '').split(',').map(Number));
const SHAPES = ALL_SHAPES.filter((_, k) => only === undefined || only.has(k + 1));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-stall-'));
  const config = loadConfig({
    DATA_DIR: dir,
    INGEST_PORT: '0',
    INGEST_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
    ...(argValue('--threads') === undefined ? {} : { INGEST_THREADS: argValue('--threads') }),
  });
  const service = await startStandalone(config, createLogger('silent'));
  const address = service.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const report = new Report('stall');
  try {
    for (const shape of SHAPES) {
      let worst = 0;
      for (let round = 0; round < 3; round++) {
        const body = shape.body();
        histogram.reset();
        const res = await fetch(`${url}/logs/ingest`, {
          method: 'POST',
          headers: { 'content-type': shape.contentType },
          body,
        });
        await res.arrayBuffer();
        if (res.status !== shape.status)
          throw new Error(`${shape.name}: ${res.status}, expected ${shape.status}`);
        // Until generation and storage are done: their work is on this loop too.
        for (;;) {
          const stats = (await (await fetch(`${url}/stats`)).json()) as { queues: { unmatched: number } };
          if (stats.queues.unmatched === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await service.store.writer.flush();
        worst = Math.max(worst, histogram.max / 1e6);
      }
      report.add({
        case: `${shape.name} (${shape.status})`,
        value: worst,
        peer: LIMIT_MS,
        unit: 'ms (longest event-loop delay, worst of 3; lower is better)',
        note: worst <= LIMIT_MS ? 'limit met' : 'limit NOT met',
      });
      console.error(`${shape.name}: ${worst.toFixed(1)} ms`);
    }
  } finally {
    histogram.disable();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\nLongest event-loop delay per request, worst of 3 (request until stored), INGEST_THREADS=${config.http.threads}\n`,
  );
  report.emit(argValue('--json'));
}

await main();
