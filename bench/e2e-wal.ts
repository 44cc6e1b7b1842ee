// What the write-ahead log costs end to end: `npm run bench:e2e -- --wal-on-off [--rounds 2]`.
// Runs the whole of bench:e2e (service, load, drain, count, raw insert) as a child once per
// INGEST_WAL_SYNC setting per round, the settings alternating (off write fsync, fsync write
// off, ...) so drift of the shared machine hits them alike, and puts the figures side by side:
// logs/s stored end to end, CPU per million logs, peak RSS. Every run checks stored ==
// accepted itself (its exit code). Limit (issue "Durable standalone"): `write` at least 0.85x of
// off for these batches of 1,000; peak RSS not higher.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Report, spread, type ReportRow } from './report.ts';

const SETTINGS = ['off', 'write', 'fsync'] as const;
type Sync = (typeof SETTINGS)[number];
const LIMIT = { write: 0.85 } as Partial<Record<Sync, number>>;

const FIGURES = {
  e2e: 'log-ingest end to end (HTTP → storage)',
  cpu: 'CPU per million logs stored: service, all threads (cost, lower is better)',
  rss: 'service peak RSS (VmHWM)',
} as const;

/** `args`: what bench:e2e was given, minus --wal-on-off and --rounds, passed to every run. */
export async function e2eWalOnOff(args: readonly string[], rounds: number, jsonFile?: string): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'log-ingest-e2e-wal-'));
  const figures = new Map<Sync, Record<keyof typeof FIGURES, number[]>>(
    SETTINGS.map((sync) => [sync, { e2e: [], cpu: [], rss: [] }]),
  );
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? SETTINGS : [...SETTINGS].reverse();
      for (const sync of order) {
        const json = path.join(work, `${sync}-${round}.json`);
        console.error(`--wal-on-off: round ${round + 1} of ${rounds}, INGEST_WAL_SYNC=${sync}`);
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, ['bench/e2e.ts', ...args, '--json', json], {
            cwd: path.resolve(import.meta.dirname, '..'),
            env: { ...process.env, INGEST_WAL_SYNC: sync },
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          child.once('exit', resolve);
        });
        if (code !== 0) throw new Error(`bench:e2e with INGEST_WAL_SYNC=${sync} exited with ${code}`);
        const rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: ReportRow[] }).rows;
        const value = (name: string) => rows.find((row) => row.case === name)?.value ?? Number.NaN;
        const into = figures.get(sync)!;
        for (const [key, name] of Object.entries(FIGURES))
          into[key as keyof typeof FIGURES].push(value(name));
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const report = new Report('bench:e2e --wal-on-off');
  const off = figures.get('off')!;
  const median = (values: number[]) => spread(values).median;
  for (const sync of ['write', 'fsync'] as const) {
    const side = figures.get(sync)!;
    const ratios = side.e2e.map((value, i) => value / off.e2e[i]!);
    const limit = LIMIT[sync];
    report.add({
      case: `WAL ${sync} / off: logs/s stored end to end, median of ${rounds} rounds`,
      value: median(ratios),
      peer: limit ?? null,
      unit: 'ratio',
      note: `rounds ${ratios.map((r) => r.toFixed(2)).join(' ')}${limit === undefined ? '; no limit set' : `; limit ≥ ${limit}`}`,
    });
    report.add({
      case: `WAL ${sync}: logs/s stored end to end`,
      value: median(side.e2e),
      peer: median(off.e2e),
      unit: 'logs/s',
      note: 'peer: WAL off, the same rounds',
    });
    report.add({
      case: `WAL ${sync}: service CPU per million logs stored`,
      value: median(side.cpu),
      peer: median(off.cpu),
      unit: 'CPU s',
      note: 'peer: WAL off (cost, lower is better)',
    });
    report.add({
      case: `WAL ${sync}: service peak RSS`,
      value: median(side.rss),
      peer: median(off.rss),
      unit: 'MB',
      note: 'peer: WAL off; limit: not higher',
    });
  }
  console.log(
    `\nEnd to end into storage, write-ahead log on / off: ${rounds} rounds of each setting, alternating (${args.join(' ') || 'default bench:e2e options'})\n`,
  );
  report.emit(jsonFile);
}
