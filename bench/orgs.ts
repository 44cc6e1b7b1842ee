// Memory as orgs keep arriving (`npm run bench:orgs`), the finding of issue 15 point 1 replayed:
// requests of 10,000 logs whose every log names a new org, against the standalone service in
// this process with its defaults (ORGS_MAX 10,000). It reports RSS and heap once the ceiling is
// reached and again after nine times as many new orgs were refused, beside the limit (flat: at
// most 1.1x), then stops the service and starts it again on the same data folder (start time
// and heap, beside the first start). RSS includes the embedded engine's own memory. Before the
// ceiling, 100,000 orgs took RSS from 344 MB to 1.78 GB, and a start with them took 8.2 s
// instead of 1.5 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { startStandalone, type RunningService } from '../src/roles/standalone.ts';
import { Report } from './report.ts';

const LOGS_PER_REQUEST = 10_000;
const ORGS_MAX = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;

function memory(): { rss: number; heap: number } {
  gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss / 1024 ** 2, heap: usage.heapUsed / 1024 ** 2 };
}

async function start(config: Config): Promise<{ service: RunningService; secs: number }> {
  const began = performance.now();
  const service = await startStandalone(config, createLogger('silent'));
  return { service, secs: (performance.now() - began) / 1000 };
}

async function send(service: RunningService, first: number): Promise<{ accepted: number; failed: number }> {
  const logs = Array.from({ length: LOGS_PER_REQUEST }, (_, k) => ({
    org: `tenant-${first + k}`,
    message: `user u${k % 100} logged in from 10.0.${k % 256}.${k % 7}`,
  }));
  const res = await service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify({ logs }),
    headers: { 'content-type': 'application/json' },
  });
  const body = res.json<{ accepted?: number; failed?: number }>();
  return { accepted: body.accepted ?? 0, failed: body.failed ?? LOGS_PER_REQUEST };
}

async function drain(service: RunningService): Promise<void> {
  for (;;) {
    const stats = (await service.app.inject({ url: '/stats' })).json<{ queues: { unmatched: number } }>();
    if (stats.queues.unmatched === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await service.store.writer.flush();
  await service.store.templatesSaved();
}

async function main(): Promise<void> {
  if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench:orgs does)');
  const dir = mkdtempSync(join(tmpdir(), 'bench-orgs-'));
  const config = loadConfig({
    DATA_DIR: dir,
    INGEST_PORT: '0',
    INGEST_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
    ORGS_MAX: String(ORGS_MAX),
  });
  const report = new Report('orgs');
  try {
    const first = await start(config);
    const atStart = memory();
    let next = 0;
    let accepted = 0;
    while (next < ORGS_MAX) {
      accepted += (await send(first.service, next)).accepted;
      next += LOGS_PER_REQUEST;
      await drain(first.service);
    }
    const atCeiling = memory();
    let refused = 0;
    for (let r = 0; r < 9; r++) {
      refused += (await send(first.service, next)).failed;
      next += LOGS_PER_REQUEST;
      await drain(first.service);
    }
    const past = memory();
    console.error(`accepted ${accepted} logs of new orgs, refused ${refused} past the ceiling`);
    await first.service.stop();
    const again = await start(config);
    const afterRestart = memory();
    await again.service.stop();

    report.add({ case: 'RSS at start', value: atStart.rss, unit: 'MB' });
    report.add({ case: 'heap at start', value: atStart.heap, unit: 'MB' });
    report.add({
      case: `RSS with ${ORGS_MAX.toLocaleString('en')} orgs (the ceiling)`,
      value: atCeiling.rss,
      unit: 'MB',
    });
    report.add({
      case: `RSS after ${(next - ORGS_MAX).toLocaleString('en')} more new orgs, refused`,
      value: past.rss,
      peer: atCeiling.rss * 1.1,
      unit: 'MB',
      note: `limit: flat (1.1x of the ceiling's); ${past.rss <= atCeiling.rss * 1.1 ? 'met' : 'NOT met'}`,
    });
    report.add({
      case: 'heap after the refused orgs',
      value: past.heap,
      peer: atCeiling.heap * 1.1,
      unit: 'MB',
      note: `limit: flat; ${past.heap <= atCeiling.heap * 1.1 ? 'met' : 'NOT met'}`,
    });
    report.add({
      case: `start with ${ORGS_MAX.toLocaleString('en')} orgs' templates`,
      value: again.secs,
      peer: first.secs,
      unit: 's (peer: the first, empty start)',
    });
    // The same process: RSS keeps the engine's memory from before the stop, so the heap says more.
    report.add({
      case: 'heap after that start (templates loaded, no index built)',
      value: afterRestart.heap,
      peer: atCeiling.heap,
      unit: 'MB (peer: heap with the orgs at the ceiling)',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nMemory as new orgs keep arriving (default ORGS_MAX), standalone, this process\n');
  const at = process.argv.indexOf('--json');
  report.emit(at < 0 ? undefined : process.argv[at + 1]);
}

await main();
