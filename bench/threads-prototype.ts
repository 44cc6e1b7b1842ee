// Issue 19, point 2: the prototype that chose how the request path uses both cores
// (docs/decisions.md). Three servers that parse the same bodies and do the same synthetic
// per-log work (a type check per field, a tokenising split and a JSON encoding of the row,
// about what validate, match and encode cost), loaded in turn by autocannon, alternating:
//
//   bare   one thread: Fastify parses and works (the service's path before issue 19)
//   pool   A: Fastify on the main thread; the raw body is transferred to a pool of worker
//          threads that parse and work and send the encoded rows back as one string
//   ports  B: N worker threads each run Fastify on the same port (reusePort: SO_REUSEPORT),
//          parse and work, and send the encoded rows to the main thread, which answers
//          (as the write-ahead log would) before the worker replies
//
//   node bench/threads-prototype.ts [--threads 2] [--rounds 3] [--round-seconds 3]
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';

const SELF = fileURLToPath(import.meta.url);

interface Work {
  lines: string;
  n: number;
}

/** The synthetic per-log work: what validation, matching and encoding roughly cost. */
function work(body: unknown): Work {
  const logs = (body as { logs?: unknown[] }).logs ?? [body];
  let lines = '';
  for (const item of logs) {
    const log = item as Record<string, unknown>;
    for (const key of ['org', 'message', 'service', 'level']) {
      if (typeof log[key] !== 'string') throw new Error(`bad ${key}`);
    }
    const tokens = (log['message'] as string).split(' ');
    lines += `${JSON.stringify([Date.now(), log['org'], log['service'], log['level'], log['message'], tokens.length, tokens.slice(0, 3)])}\n`;
  }
  return { lines, n: logs.length };
}

function bareServer(port: number, reusePort: boolean, handle: (body: unknown) => Promise<number> | number) {
  const app = Fastify({ bodyLimit: 10 * 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    done(null, body);
  });
  app.post('/logs/ingest', async (request) => {
    const n = await handle(request.body);
    return { accepted: n, matched: n, failed: 0 };
  });
  app.get('/health', () => ({ status: 'healthy' }));
  return app.listen({ port, host: '127.0.0.1', ...(reusePort ? { reusePort: true } : {}) });
}

if (!isMainThread) {
  const { role, port } = workerData as { role: 'pool' | 'ports'; port: number };
  if (role === 'pool') {
    parentPort!.on('message', ({ id, body }: { id: number; body: Uint8Array }) => {
      const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
      const done = work(JSON.parse(text));
      parentPort!.postMessage({ id, ...done });
    });
  } else {
    // Each reply from the main thread answers one request; ids pair them.
    const waiting = new Map<number, (n: number) => void>();
    let next = 0;
    parentPort!.on('message', ({ id, n }: { id: number; n: number }) => {
      waiting.get(id)?.(n);
      waiting.delete(id);
    });
    await bareServer(port, true, (raw) => {
      const done = work(JSON.parse((raw as Buffer).toString('utf8')));
      const id = next++;
      return new Promise<number>((resolve) => {
        waiting.set(id, resolve);
        parentPort!.postMessage({ id, ...done });
      });
    });
    parentPort!.postMessage({ up: true });
  }
} else if (process.argv[2] === 'serve') {
  const [, , , mode, portText, threadsText] = process.argv;
  const port = Number(portText);
  const threads = Number(threadsText);
  /** What the main thread does with the encoded rows: hold them for a moment, as a writer would. */
  let held = 0;
  const keep = (lines: string) => {
    held += lines.length;
    if (held > 64 * 1024 * 1024) held = 0;
  };
  if (mode === 'bare') {
    await bareServer(port, false, (raw) => {
      const done = work(JSON.parse((raw as Buffer).toString('utf8')));
      keep(done.lines);
      return done.n;
    });
  } else if (mode === 'pool') {
    const workers = Array.from(
      { length: threads },
      () => new Worker(SELF, { workerData: { role: 'pool', port } }),
    );
    const waiting = new Map<number, (n: number) => void>();
    for (const w of workers) {
      w.on('message', ({ id, lines, n }: { id: number } & Work) => {
        keep(lines);
        waiting.get(id)?.(n);
        waiting.delete(id);
      });
    }
    let next = 0;
    await bareServer(port, false, (raw) => {
      const body = raw as Buffer;
      const id = next++;
      // A body of its own ArrayBuffer moves; a pooled slice (small bodies) is copied.
      const own = body.byteOffset === 0 && body.buffer.byteLength === body.byteLength;
      const bytes = own ? body : new Uint8Array(body);
      return new Promise<number>((resolve) => {
        waiting.set(id, resolve);
        workers[id % workers.length]!.postMessage({ id, body: bytes }, [bytes.buffer as ArrayBuffer]);
      });
    });
  } else {
    const workers = Array.from(
      { length: threads },
      () => new Worker(SELF, { workerData: { role: 'ports', port } }),
    );
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.on('message', (msg: { up?: true; id: number } & Work) => {
              if (msg.up === true) return resolve();
              keep(msg.lines);
              w.postMessage({ id: msg.id, n: msg.n });
            });
          }),
      ),
    );
    // Listening once every worker is: the bench waits for this port's /health.
    await bareServer(port + 1000, false, () => 0);
  }
} else {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: String(availableParallelism()) },
      rounds: { type: 'string', default: '3' },
      'round-seconds': { type: 'string', default: '3' },
    },
  });
  const { load, payloadsFor, label, start, waitUp } = await import('./ingest-load.ts');
  const { cpuSeconds } = await import('./proc.ts');
  const { Report } = await import('./report.ts');
  const threads = values.threads;
  const rounds = Number(values.rounds);
  const seconds = Number(values['round-seconds']);
  const modes = [
    { name: 'bare', port: 3291, health: 3291 },
    { name: 'pool', port: 3292, health: 3292 },
    { name: 'ports', port: 3293, health: 4293 },
  ];
  const load1 = loadavg()[0]!.toFixed(2);
  const children = modes.map((m) => start([SELF, 'serve', m.name, String(m.port), threads], {}));
  const report = new Report('threads-prototype');
  try {
    await Promise.all(modes.map((m) => waitUp(`http://127.0.0.1:${m.health}`)));
    for (const batch of [1, 100, 1000]) {
      const payloads = payloadsFor(batch);
      const perMode = new Map<string, { logs: number[]; cpu: number[] }>(
        modes.map((m) => [m.name, { logs: [], cpu: [] }]),
      );
      for (const m of modes)
        await load({ url: `http://127.0.0.1:${m.port}`, headers: {} }, payloads, {
          connections: 8,
          duration: 1,
        });
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? modes : [...modes].reverse();
        for (const m of order) {
          const child = children[modes.indexOf(m)]!;
          const cpuBefore = cpuSeconds(child.pid);
          const run = await load({ url: `http://127.0.0.1:${m.port}`, headers: {} }, payloads, {
            connections: 8,
            duration: seconds,
          });
          const logs = (run['2xx'] * batch) / run.duration;
          perMode.get(m.name)!.logs.push(logs);
          perMode.get(m.name)!.cpu.push(((cpuSeconds(child.pid) - cpuBefore) / (run['2xx'] * batch)) * 1e6);
        }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const bare = median(perMode.get('bare')!.logs);
      for (const m of modes) {
        report.add({
          case: `${label(batch)}: ${m.name} logs/s`,
          value: median(perMode.get(m.name)!.logs),
          peer: m.name === 'bare' ? null : bare,
          unit: 'logs/s',
          note: m.name === 'bare' ? 'the peer' : 'peer: bare, same rounds',
        });
        report.add({
          case: `${label(batch)}: ${m.name} CPU per log`,
          value: median(perMode.get(m.name)!.cpu),
          unit: 'µs',
        });
      }
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
  }
  console.log(
    `\nthreads prototype: ${threads} threads, 8 connections, ${rounds} alternating rounds of ${seconds} s, median; Node ${process.version}, 1-min load ${load1} at the start\n`,
  );
  report.emit(undefined);
}
