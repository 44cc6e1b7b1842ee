// What the kernel says of a process (/proc), for the benchmarks' CPU and memory figures.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on nearly every Linux. */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) in a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat line. */
export function cpuOfStat(stat: string): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds (user + system, all threads) a process has used so far; throws once it has exited. */
export function cpuSeconds(pid: number | undefined): number {
  return cpuOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
export function peakRssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}
