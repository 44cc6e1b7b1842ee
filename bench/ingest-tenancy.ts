// What tenancy costs the hot path: `npm run bench:ingest -- --tenancy-on-off`. Three services run
// side by side: "off" without keys and with the per-org rate limit off; "keys" with 100 API
// keys (the bench sending one of them), the rate limit still off: the issue's comparison, keys
// on / off; and "on", all of tenancy: the keys and a rate limit set too high to ever refuse. For
// single logs and batches of 100 and 1,000, after a warm-up of each, they are loaded in turn in
// short rounds, off keys on, on keys off, ..., and each round gives the ratios keys/off and
// on/off of logs/s: drift of the shared machine hits the three alike. All of it is repeated over
// --starts fresh starts of the services (--rounds rounds each): a process keeps the speed its
// JIT and heap settled on for its whole life, a few per cent either way, and one start would
// make that the result. The table shows the median ratio and its spread (min–max) beside the
// limit, 0.95, and the service's CPU time per log; the notes add the median of each start.
import {
  cpuSeconds,
  label,
  learn,
  load,
  payloadsFor,
  startService,
  stats,
  waitUp,
  type Target,
} from './ingest-load.ts';
import { spread, type Report } from './report.ts';

/** Tenancy issue: with it on, the ingest benchmark stays within 5% of it off. */
const TENANCY_LIMIT = 0.95;
const PORTS = { off: 3193, keys: 3194, on: 3195 } as const;

/** API keys of the keyed services: 100 of them, one org each; the bench writes with one. */
const TENANCY_KEYS = Array.from(
  { length: 100 },
  (_, i) => `bench-key-${String(i).padStart(3, '0')}-0123456789abcdef`,
);
const BENCH_KEY_INDEX = 57;
/** High enough never to refuse: the limiter's bookkeeping runs, its 429 never does. */
const NEVER_REFUSING_RATE = '100000000';

/**
 * The services of the tenancy comparison. "keys" is what the issue's target compares (API keys
 * on, everything else as "off"); "on" adds the per-org rate limit, so all of tenancy is on.
 */
type TenancySide = 'off' | 'keys' | 'on';
/** The sides compared with "off", with what the table calls them. */
const TENANCY_COMPARED = { keys: 'API keys', on: 'keys + rate limit' } as const;
type ComparedSide = keyof typeof TENANCY_COMPARED;

function tenancyServices(): Record<TenancySide, { port: number; env: Record<string, string> }> {
  const keys = TENANCY_KEYS.map(
    (key, i) => `${key}:${i === BENCH_KEY_INDEX ? 'bench' : `org-${i}`}:write+read`,
  ).join(';');
  return {
    off: { port: PORTS.off, env: { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' } },
    keys: { port: PORTS.keys, env: { INGEST_API_KEYS: keys, INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' } },
    on: {
      port: PORTS.on,
      env: {
        INGEST_API_KEYS: keys,
        INGEST_RATE_LIMIT_LOGS_PER_SEC: NEVER_REFUSING_RATE,
        INGEST_RATE_LIMIT_BURST_LOGS: NEVER_REFUSING_RATE,
      },
    },
  };
}

export interface TenancyOptions {
  /** Fresh starts of the three services. */
  starts: number;
  /** Rounds per case and start. */
  rounds: number;
  roundSeconds: number;
  /** autocannon connections. */
  connections: number;
}

/** What the tenancy comparison collects per batch size, over every start of the services. */
interface TenancyCase {
  logsPerSec: Record<TenancySide, number[]>;
  /** Per round, logs/s of a side / logs/s of "off". */
  ratios: Record<ComparedSide, number[]>;
  /** Per round, the service's CPU time per log, side / "off": what it costs, whoever is the bottleneck. */
  cpuRatios: Record<ComparedSide, number[]>;
}

/**
 * Tenancy on beside tenancy off, in interleaved rounds (see the top of this file), over `starts`
 * fresh starts of the services. One process stays a few per cent faster or slower than another
 * for its whole life (where its JIT and heap settled): rounds of one start share that bias, and
 * starting afresh spreads it over every side.
 */
export async function tenancyOnOff(report: Report, extra: string[], options: TenancyOptions) {
  const cases = new Map<number, TenancyCase>(
    [1, 100, 1000].map((batch) => [
      batch,
      {
        logsPerSec: { off: [], keys: [], on: [] },
        ratios: { keys: [], on: [] },
        cpuRatios: { keys: [], on: [] },
      },
    ]),
  );
  for (let i = 0; i < options.starts; i++) await tenancyRounds(cases, options);
  const n = options.starts * options.rounds;
  for (const [batch, result] of cases) {
    for (const side of ['keys', 'on'] as const) {
      const name = `${label(batch)}: ${TENANCY_COMPARED[side]} on / off`;
      const ratios = result.ratios[side];
      const ratio = spread(ratios);
      const below = ratios.filter((r) => r < TENANCY_LIMIT).length;
      const range = `${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}`;
      report.add({
        case: `${name}, logs/s, median of ${n} rounds`,
        value: ratio.median,
        peer: TENANCY_LIMIT,
        unit: 'on/off',
        note: `rounds ${range}, ${below} below ${TENANCY_LIMIT}; limit ≥ ${TENANCY_LIMIT}`,
      });
      const cpu = spread(result.cpuRatios[side]);
      report.add({
        case: `${name}, service CPU per log, median of ${n} rounds`,
        value: cpu.median,
        peer: 1 / TENANCY_LIMIT,
        unit: 'on/off',
        note: `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}; limit ≤ ${(1 / TENANCY_LIMIT).toFixed(3)}`,
      });
      report.add({
        case: `${label(batch)}: ${TENANCY_COMPARED[side]} on, logs/s, median of ${n} rounds`,
        value: spread(result.logsPerSec[side]).median,
        peer: spread(result.logsPerSec.off).median,
        unit: 'logs/s',
        note: 'peer: tenancy off, the same rounds',
      });
      const perStart = Array.from({ length: options.starts }, (_, i) =>
        spread(ratios.slice(i * options.rounds, (i + 1) * options.rounds)).median.toFixed(3),
      );
      const within = ratio.median >= TENANCY_LIMIT;
      extra.push(
        `${name}: median ${ratio.median.toFixed(3)} (rounds ${range}) ${within ? '≥' : '<'} ${TENANCY_LIMIT}: ${within ? 'within' : 'NOT within'} 5%; ${below} of ${n} rounds below ${TENANCY_LIMIT}; median of each start ${perStart.join(' ')}; CPU per log on/off median ${cpu.median.toFixed(3)}; ratio of each round ${ratios.map((r) => r.toFixed(2)).join(' ')}`,
      );
    }
  }
}

/** One start of the services: `rounds` rounds of each case, added to `cases`. */
async function tenancyRounds(
  cases: ReadonlyMap<number, TenancyCase>,
  { rounds, roundSeconds, connections }: TenancyOptions,
) {
  const sides = ['off', 'keys', 'on'] as const;
  const setup = tenancyServices();
  const started = await Promise.all(sides.map((side) => startService(setup[side].port, setup[side].env)));
  const services = { off: started[0]!, keys: started[1]!, on: started[2]! };
  const authorization = { authorization: `Bearer ${TENANCY_KEYS[BENCH_KEY_INDEX]!}` };
  const targets: Record<TenancySide, Target> = {
    off: { url: services.off.url, headers: {} },
    keys: { url: services.keys.url, headers: authorization },
    on: { url: services.on.url, headers: authorization },
  };
  try {
    await Promise.all(sides.map((side) => waitUp(targets[side].url)));
    // The keyed services must really check keys: without one they refuse.
    for (const side of ['keys', 'on'] as const) {
      const open = await fetch(`${targets[side].url}/logs/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"org":"bench","message":"no key"}',
      });
      if (open.status !== 401) throw new Error(`the ${side} service answered ${open.status} without a key`);
    }
    for (const side of sides) await learn(targets[side]);

    for (const [batch, result] of cases) {
      const payloads = payloadsFor(batch);
      // Warm-up of each with this case's load, so JIT state and buffers are alike.
      for (const side of sides) await load(targets[side], payloads, { connections, duration: roundSeconds });
      const before = await Promise.all(sides.map((side) => stats(targets[side])));
      const sent = { off: 0, keys: 0, on: 0 };
      for (let round = 0; round < rounds; round++) {
        // off keys on, then on keys off: "off" runs first in one round and last in the next.
        const order = round % 2 === 0 ? sides : ([...sides].reverse() as TenancySide[]);
        const logsPerSec = { off: 0, keys: 0, on: 0 };
        const cpuPerLog = { off: 0, keys: 0, on: 0 };
        for (const side of order) {
          const pid = services[side].child.pid;
          const cpuBefore = cpuSeconds(pid);
          const run = await load(targets[side], payloads, { connections, duration: roundSeconds });
          if (run.non2xx > 0 || run.errors > 0) {
            throw new Error(
              `${label(batch)}: the ${side} service gave ${run.non2xx} non-2xx answers and ${run.errors} errors`,
            );
          }
          cpuPerLog[side] = (cpuSeconds(pid) - cpuBefore) / (run['2xx'] * batch);
          sent[side] += run['2xx'] * batch;
          logsPerSec[side] = (run['2xx'] * batch) / run.duration;
          result.logsPerSec[side].push(logsPerSec[side]);
        }
        for (const side of ['keys', 'on'] as const) {
          result.ratios[side].push(logsPerSec[side] / logsPerSec.off);
          result.cpuRatios[side].push(cpuPerLog[side] / cpuPerLog.off);
        }
      }
      // Every answered log was accepted (200s with logs refused inside would inflate the count);
      // requests still in flight when a round ends are accepted but not counted by autocannon.
      for (const [i, side] of sides.entries()) {
        const accepted = (await stats(targets[side])).logs.accepted - before[i]!.logs.accepted;
        const inFlight = accepted - sent[side];
        if (inFlight < 0 || inFlight > rounds * connections * batch) {
          throw new Error(`${label(batch)}: ${side} accepted ${accepted} of ${sent[side]} logs answered`);
        }
      }
    }
  } finally {
    await Promise.all(sides.map((side) => services[side].stop()));
  }
}
