// bench:kafka's memory case (issue 19, point 4): one matcher started on a backlog in logs.raw,
// its resident memory read from /proc every 250 ms until it has taken the whole backlog, beside
// the 150 MB limit; per setting (environment of the matcher, or its Node flags), alternating
// over rounds, with what the setting costs in matcher records per CPU second.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds } from '../proc.ts';

export const MATCHER_RSS_LIMIT_MB = 150;
const SAMPLE_MS = 250;

/** A running matcher as the memory case needs it. */
export interface MemoryMatcher {
  pid: number;
  /** Records the matcher has taken so far (its /stats), undefined while it does not answer. */
  records(): Promise<number | undefined>;
  /** Set when the process has exited. */
  exited(): boolean;
  stop(): Promise<void>;
}

/**
 * One setting: `NAME=VALUE` pairs separated by `;` ('' for the matcher as shipped). The name
 * `NODE_FLAGS` replaces the Node flags the service is started with (src/cli/node-flags.ts),
 * space-separated; `ENTRY` the script it is started from (src/cli/service.ts: another
 * checkout's, to measure a commit beside this one, or a compiled build's); any other name is
 * environment of the matcher.
 */
export interface MatcherSetting {
  label: string;
  env: Record<string, string>;
  nodeFlags: readonly string[] | undefined;
  entry: string | undefined;
}

export function parseSetting(text: string): MatcherSetting {
  const env: Record<string, string> = {};
  let nodeFlags: string[] | undefined;
  let entry: string | undefined;
  for (const pair of text.split(';').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--memory-settings: '${pair}' is not NAME=VALUE`);
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name === 'NODE_FLAGS') nodeFlags = value.split(' ').filter((f) => f !== '');
    else if (name === 'ENTRY') entry = value;
    else env[name] = value;
  }
  return { label: text.trim() === '' ? 'as shipped' : text.trim(), env, nodeFlags, entry };
}

/** What one matcher run measured. */
export interface MemoryRun {
  /** Highest VmRSS sampled, MB. */
  peakRssMb: number;
  /** The kernel's own peak (VmHWM) at the end, MB: catches a peak between two samples. */
  hwmMb: number;
  /** /proc/<pid>/smaps_rollup at the sample with the highest RSS, MB: anonymous (heap, buffers) and file-backed. */
  anonMb: number;
  fileMb: number;
  /** Records taken over the CPU seconds used while taking them (from its first record). */
  perCpuSecond: number;
  /** Seconds from the first record taken to the whole backlog. */
  seconds: number;
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

function rollupMb(pid: number): { anon: number; file: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { anon: kb('Anonymous') / 1024, file: (kb('Rss') - kb('Anonymous')) / 1024 };
}

/** Starts a matcher on the backlog of `logs` records and samples it until it has taken them all. */
export async function measureMatcher(
  start: () => Promise<MemoryMatcher>,
  logs: number,
  stallMs: number,
): Promise<MemoryRun> {
  const m = await start();
  try {
    let peak = 0;
    let atPeak = { anon: 0, file: 0 };
    let first: { at: number; records: number; cpu: number } | undefined;
    let progress = { at: Date.now(), records: 0 };
    for (;;) {
      if (m.exited()) throw new Error('the matcher exited during the memory case');
      const rss = statusMb(m.pid, 'VmRSS');
      if (rss > peak) {
        peak = rss;
        atPeak = rollupMb(m.pid);
      }
      const records = (await m.records()) ?? 0;
      if (first === undefined && records > 0)
        first = { at: performance.now(), records, cpu: cpuSeconds(m.pid) };
      if (records >= logs && first !== undefined) {
        return {
          peakRssMb: peak,
          hwmMb: statusMb(m.pid, 'VmHWM'),
          anonMb: atPeak.anon,
          fileMb: atPeak.file,
          perCpuSecond: (records - first.records) / Math.max(0.01, cpuSeconds(m.pid) - first.cpu),
          seconds: (performance.now() - first.at) / 1000,
        };
      }
      if (records > progress.records) progress = { at: Date.now(), records };
      else if (Date.now() - progress.at > stallMs) {
        throw new Error(
          `memory case: the matcher took ${records} of ${logs} and then nothing for ${stallMs / 1000} s`,
        );
      }
      await sleep(SAMPLE_MS);
    }
  } finally {
    await m.stop();
  }
}
