// The promise of a 200 in the default mode, tested the way it breaks: the service as its own OS
// process on the real embedded engine, SIGKILLed at random moments under three clients at once
// (slow single logs, batches, and novel lines of a new org still waiting for a template), then
// restarted. Every acknowledged log must be stored exactly once, and nothing stored twice. The
// batches are large enough to be prepared on the request threads (INGEST_THREADS=2: one worker beside the main thread, threads/):
// their records are framed there and written by the main thread.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startStore } from '../../../src/store/stage.ts';
import { freePort, spawnService, waitUntilUp, type ServiceProcess } from '../../helpers/process.ts';
import { makeDataDir } from '../../helpers/service.ts';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const KILLS = 10;

interface Ledger {
  /** `client:seq` of every log sent, and of those whose request got a 200. */
  sent: Set<string>;
  acked: Set<string>;
  next: number;
}

interface Log {
  org: string;
  message: string;
  metadata: { client: string; seq: string };
}

/** POSTs the logs; true when the service answered 200 (the logs are acknowledged). */
async function post(url: string, logs: Log[], ledger: Ledger): Promise<boolean> {
  for (const log of logs) ledger.sent.add(`${log.metadata.client}:${log.metadata.seq}`);
  const body = logs.length === 1 ? logs[0] : { logs };
  try {
    const res = await fetch(`${url}/logs/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 200) return false;
    for (const log of logs) ledger.acked.add(`${log.metadata.client}:${log.metadata.seq}`);
    return true;
  } catch {
    return false; // killed mid-request: not acknowledged, may or may not be stored
  }
}

function log(ledger: Ledger, client: string, org: string, message: (seq: number) => string): Log {
  const seq = ledger.next++;
  return { org, message: message(seq), metadata: { client, seq: String(seq) } };
}

const WORDS = ['alpha', 'bravo', 'cargo', 'delta', 'ember', 'flint', 'grove', 'harbor', 'ivory', 'jolt'];

/** The three clients, until `alive()` turns false. */
function runClients(url: string, ledger: Ledger, round: number, alive: () => boolean): Promise<unknown> {
  const singles = (async () => {
    while (alive()) {
      await post(
        url,
        [log(ledger, 'single', 'steady', (s) => `Request ${s} served in ${s % 97} ms`)],
        ledger,
      );
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  })();
  const batches = (async () => {
    while (alive()) {
      const batch = Array.from({ length: 400 }, (_, i) =>
        log(ledger, 'batch', 'steady', (s) => `Order ${s} shipped to zone ${i % 9}`),
      );
      await post(url, batch, ledger);
    }
  })();
  // A new org each round: its lines match nothing yet and wait for the miner's batch timeout.
  const novel = (async () => {
    let shape = 0;
    while (alive()) {
      shape++;
      const a = WORDS[shape % WORDS.length]!;
      const b = WORDS[(shape * 7) % WORDS.length]!;
      const lines = Array.from({ length: 5 }, () =>
        log(ledger, 'novel', `novel-${round}`, (s) => `${a} ${b} stage ${shape} moved item ${s} to ${b}`),
      );
      await post(url, lines, ledger);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  })();
  return Promise.all([singles, batches, novel]);
}

async function storedCounts(dataDir: string): Promise<Map<string, number>> {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const store = await startStore(config.clickhouse, { logger: createLogger('silent') });
  try {
    const result = await store.client.query({
      query: `SELECT concat(metadata['client'], ':', metadata['seq']) AS key, count() AS n
FROM ${store.database}.logs GROUP BY key`,
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ key: string; n: string }>();
    return new Map(rows.map((row) => [row.key, Number(row.n)]));
  } finally {
    await store.stop();
  }
}

function start(dataDir: string, port: number, env: Record<string, string> = {}): ServiceProcess {
  return spawnService({
    DATA_DIR: dataDir,
    INGEST_PORT: String(port),
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '1',
    INGEST_RATE_LIMIT_LOGS_PER_SEC: '0',
    INGEST_THREADS: '2',
    ...env,
  });
}

/** Stops the last start with SIGTERM (which drains the held lines into storage) and counts what is stored. */
async function drainAndCount(proc: ServiceProcess, dataDir: string): Promise<Map<string, number>> {
  await waitUntilUp(proc.url, proc.exited);
  proc.child.kill('SIGTERM');
  assert.equal(await proc.exited, 0, proc.stderr());
  return storedCounts(dataDir);
}

/** Waits until /health answers 503 naming the replay (true), or 200 (false: it was over). */
async function untilReplaying(proc: ServiceProcess): Promise<boolean> {
  for (;;) {
    try {
      const res = await fetch(`${proc.url}/health`);
      const body = (await res.json()) as { reason?: string };
      if (res.status === 200) return false;
      if (body.reason?.includes('replaying the write-ahead log') === true) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function assertExactlyOnce(ledger: Ledger, stored: Map<string, number>): void {
  const lost = [...ledger.acked].filter((key) => stored.get(key) !== 1);
  assert.deepEqual(
    lost.slice(0, 10),
    [],
    `${lost.length} of ${ledger.acked.size} acknowledged logs not stored once`,
  );
  const twice = [...stored].filter(([, n]) => n > 1);
  assert.deepEqual(twice.slice(0, 10), [], 'no log is stored twice');
  const unknown = [...stored.keys()].filter((key) => !ledger.sent.has(key));
  assert.deepEqual(unknown.slice(0, 10), [], 'nothing stored that was not sent');
  for (const client of ['single', 'batch', 'novel']) {
    const acked = [...ledger.acked].filter((key) => key.startsWith(`${client}:`)).length;
    assert.ok(acked > 0, `the ${client} client had logs acknowledged`);
  }
}

describe('durable standalone: SIGKILL and restart', () => {
  it(`stores every acknowledged log exactly once across ${KILLS} kills at random moments under load`, async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const ledger: Ledger = { sent: new Set(), acked: new Set(), next: 1 };
    const moments: number[] = [];
    for (let round = 1; round <= KILLS; round++) {
      const proc = start(dataDir, await freePort());
      await waitUntilUp(proc.url, proc.exited);
      let alive = true;
      const clients = runClients(proc.url, ledger, round, () => alive);
      const moment = 300 + Math.floor(Math.random() * 2500);
      moments.push(moment);
      await new Promise((resolve) => setTimeout(resolve, moment));
      proc.child.kill('SIGKILL');
      await proc.exited;
      alive = false;
      await clients;
    }
    const stored = await drainAndCount(start(dataDir, await freePort()), dataDir);
    assert.ok(
      ledger.acked.size > 1000,
      `enough load: ${ledger.acked.size} acknowledged (kills at ${moments.join(', ')} ms)`,
    );
    assertExactlyOnce(ledger, stored);
  });

  it('stays exactly once when killed again while it replays the write-ahead log', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const ledger: Ledger = { sent: new Set(), acked: new Set(), next: 1 };
    // Nothing reaches storage before the kill: all of it waits in the WAL for the replay.
    const hold = { CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600', CLICKHOUSE_BUFFER_SIZE: '1000000' };
    const first = start(dataDir, await freePort(), hold);
    await waitUntilUp(first.url, first.exited);
    for (let i = 0; i < 60; i++) {
      const batch = Array.from({ length: 1000 }, (_, k) =>
        log(ledger, 'batch', 'steady', (s) => `Order ${s} shipped to zone ${k % 9}`),
      );
      assert.ok(await post(first.url, batch, ledger), 'accepted before the kill');
    }
    first.child.kill('SIGKILL');
    await first.exited;

    // Killed while /health says it is replaying, at three moments of the replay.
    let seenReplaying = 0;
    for (const delay of [0, 150, 400]) {
      const replaying = start(dataDir, await freePort());
      if (await untilReplaying(replaying)) seenReplaying++;
      await new Promise((resolve) => setTimeout(resolve, delay));
      replaying.child.kill('SIGKILL');
      await replaying.exited;
    }
    assert.ok(seenReplaying > 0, 'at least one kill landed during the replay');
    const stored = await drainAndCount(start(dataDir, await freePort()), dataDir);
    const lost = [...ledger.acked].filter((key) => stored.get(key) !== 1);
    assert.equal(lost.length, 0, `${lost.length} of ${ledger.acked.size} acknowledged logs not stored once`);
    assert.equal(stored.size, ledger.acked.size);
  });
});
