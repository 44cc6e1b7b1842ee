// What a setting costs the hot path: services that differ in one setting ("sides") run side by
// side, one of them the baseline. For single logs and batches of 100 and 1,000, after a warm-up
// of each, they are loaded in turn in short rounds, baseline first in one round and last in the
// next, and each round gives the ratio side/baseline of logs/s: drift of the shared machine hits
// every side alike. All of it is repeated over --starts fresh starts of the services (--rounds
// rounds each): a process keeps the speed its JIT and heap settled on for its whole life, a few
// per cent either way, and one start would make that the result. The table shows the median
// ratio and its spread (min–max) beside the limit, the service's CPU time per log, and each
// side's peak RSS beside the baseline's; the notes add the median of each start.
// Used by --tenancy-on-off (ingest-tenancy.ts) and --wal-on-off (ingest-wal.ts).
import {
  cpuSeconds,
  label,
  learn,
  load,
  payloadsFor,
  peakRssMb,
  startService,
  stats,
  waitUp,
  type Target,
} from './ingest-load.ts';
import { spread, type Report } from './report.ts';

export const BATCHES = [1, 100, 1000] as const;

/** One service of a comparison. */
export interface Side {
  /** What the table calls it, e.g. `API keys`. */
  name: string;
  port: number;
  env: Record<string, string>;
  headers?: Record<string, string>;
  /** Thrown when the side is not what it claims (e.g. keys not really checked). */
  check?: (target: Target) => Promise<void>;
  /** Another checkout to run this side's service from (a baseline such as main); absent: this one. */
  root?: string;
  /** The least side/baseline ratio of logs/s the issue asks for, per batch size; absent: none. */
  limits?: Partial<Record<number, number>>;
}

export interface Comparison {
  baseline: Side;
  compared: readonly Side[];
}

export interface RoundOptions {
  /** Fresh starts of the services. */
  starts: number;
  /** Rounds per case and start. */
  rounds: number;
  roundSeconds: number;
  /** autocannon connections. */
  connections: number;
}

/** What the comparison collects per batch size and side, over every start of the services. */
interface Collected {
  logsPerSec: number[];
  /** Per round, logs/s of the side / logs/s of the baseline. */
  ratios: number[];
  /** Per round, the service's CPU time per log, side / baseline: what it costs, whoever is the bottleneck. */
  cpuRatios: number[];
}

export async function compareSides(
  report: Report,
  extra: string[],
  comparison: Comparison,
  options: RoundOptions,
): Promise<void> {
  const sides = [comparison.baseline, ...comparison.compared];
  const collected = new Map<string, Collected>();
  const key = (batch: number, side: Side) => `${batch} ${side.name}`;
  for (const batch of BATCHES) {
    for (const side of sides) collected.set(key(batch, side), { logsPerSec: [], ratios: [], cpuRatios: [] });
  }
  const peakRss = new Map<string, number[]>(sides.map((side) => [side.name, []]));
  for (let i = 0; i < options.starts; i++) {
    const rss = await oneStart(sides, options, (batch, side) => collected.get(key(batch, side))!);
    for (const side of sides) peakRss.get(side.name)!.push(rss.get(side.name)!);
  }

  const n = options.starts * options.rounds;
  const base = comparison.baseline.name;
  for (const batch of BATCHES) {
    const baseline = collected.get(key(batch, comparison.baseline))!;
    for (const side of comparison.compared) {
      const result = collected.get(key(batch, side))!;
      const limit = side.limits?.[batch];
      const name = `${label(batch)}: ${side.name} / ${base}`;
      const ratio = spread(result.ratios);
      const range = `${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}`;
      const below = limit === undefined ? 0 : result.ratios.filter((r) => r < limit).length;
      report.add({
        case: `${name}, logs/s, median of ${n} rounds`,
        value: ratio.median,
        peer: limit ?? null,
        unit: 'ratio',
        note:
          limit === undefined
            ? `rounds ${range}; no limit set`
            : `rounds ${range}, ${below} below ${limit}; limit ≥ ${limit}`,
      });
      const cpu = spread(result.cpuRatios);
      // The same limit as a ceiling on cost: met at a ratio of 1.00x or less.
      report.add({
        case: `${name}, service CPU per log, median of ${n} rounds`,
        value: cpu.median,
        peer: limit === undefined ? null : 1 / limit,
        unit: 'ratio',
        note: `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}${limit === undefined ? '' : `; limit ≤ ${(1 / limit).toFixed(3)}`}`,
      });
      report.add({
        case: `${label(batch)}: ${side.name}, logs/s, median of ${n} rounds`,
        value: spread(result.logsPerSec).median,
        peer: spread(baseline.logsPerSec).median,
        unit: 'logs/s',
        note: `peer: ${base}, the same rounds`,
      });
      const perStart = Array.from({ length: options.starts }, (_, i) =>
        spread(result.ratios.slice(i * options.rounds, (i + 1) * options.rounds)).median.toFixed(3),
      );
      const verdict =
        limit === undefined
          ? ''
          : ` ${ratio.median >= limit ? '≥' : '<'} ${limit}, ${below} of ${n} rounds below;`;
      extra.push(
        `${name}: median ${ratio.median.toFixed(3)} (rounds ${range})${verdict} median of each start ${perStart.join(' ')}; CPU per log median ${cpu.median.toFixed(3)}; ratio of each round ${result.ratios.map((r) => r.toFixed(2)).join(' ')}`,
      );
    }
  }
  const baseRss = spread(peakRss.get(base)!).median;
  for (const side of comparison.compared) {
    report.add({
      case: `${side.name}: peak RSS, median of ${options.starts} starts`,
      value: spread(peakRss.get(side.name)!).median,
      peer: baseRss,
      unit: 'MB',
      note: `peer: ${base}`,
    });
  }
}

/** One start of the services: `rounds` rounds of each case; returns each side's peak RSS (MB). */
async function oneStart(
  sides: readonly Side[],
  { rounds, roundSeconds, connections }: RoundOptions,
  into: (batch: number, side: Side) => Collected,
): Promise<Map<string, number>> {
  const services = await Promise.all(sides.map((side) => startService(side.port, side.env, side.root)));
  const targets: Target[] = services.map((service, i) => ({
    url: service.url,
    headers: sides[i]!.headers ?? {},
  }));
  try {
    await Promise.all(targets.map((target) => waitUp(target.url)));
    for (const [i, side] of sides.entries()) await side.check?.(targets[i]!);
    for (const target of targets) await learn(target);

    for (const batch of BATCHES) {
      const payloads = payloadsFor(batch);
      // Warm-up of each with this case's load, so JIT state and buffers are alike.
      for (const target of targets) await load(target, payloads, { connections, duration: roundSeconds });
      const before = await Promise.all(targets.map((target) => stats(target)));
      const sent = sides.map(() => 0);
      const order = sides.map((_, i) => i);
      for (let round = 0; round < rounds; round++) {
        // Baseline first in one round, last in the next.
        const turn = round % 2 === 0 ? order : [...order].reverse();
        const logsPerSec: number[] = [];
        const cpuPerLog: number[] = [];
        for (const i of turn) {
          const pid = services[i]!.child.pid;
          const cpuBefore = cpuSeconds(pid);
          const run = await load(targets[i]!, payloads, { connections, duration: roundSeconds });
          if (run.non2xx > 0 || run.errors > 0) {
            throw new Error(
              `${label(batch)}: the ${sides[i]!.name} service gave ${run.non2xx} non-2xx answers and ${run.errors} errors`,
            );
          }
          cpuPerLog[i] = (cpuSeconds(pid) - cpuBefore) / (run['2xx'] * batch);
          sent[i]! += run['2xx'] * batch;
          logsPerSec[i] = (run['2xx'] * batch) / run.duration;
          into(batch, sides[i]!).logsPerSec.push(logsPerSec[i]);
        }
        for (let i = 1; i < sides.length; i++) {
          into(batch, sides[i]!).ratios.push(logsPerSec[i]! / logsPerSec[0]!);
          into(batch, sides[i]!).cpuRatios.push(cpuPerLog[i]! / cpuPerLog[0]!);
        }
      }
      // Every answered log was accepted (200s with logs refused inside would inflate the count);
      // requests still in flight when a round (or the warm-up) ends are accepted but not
      // counted by autocannon.
      for (const [i, target] of targets.entries()) {
        const accepted = (await stats(target)).logs.accepted - before[i]!.logs.accepted;
        const inFlight = accepted - sent[i]!;
        if (inFlight < 0 || inFlight > (rounds + 1) * connections * batch) {
          throw new Error(
            `${label(batch)}: ${sides[i]!.name} accepted ${accepted} of ${sent[i]} logs answered`,
          );
        }
      }
    }
    return new Map(sides.map((side, i) => [side.name, peakRssMb(services[i]!.child.pid)]));
  } finally {
    await Promise.all(services.map((service) => service.stop()));
  }
}
