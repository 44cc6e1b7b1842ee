// What a setting of the service saves and costs end to end:
// `npm run bench:e2e -- --settings '' --settings 'NAME=VALUE;NAME2=VALUE2' ... [--rounds 2]`.
// Runs the whole of bench:e2e (service, load, drain, count, raw insert) as a child once per
// setting per round, the order reversed every other round so drift of the shared machine hits
// them alike. Each `--settings` is environment for the service only (the load generator and
// the raw insert keep theirs), and a part starting with `--` a flag on its Node command line
// (`--settings='INGEST_THREADS=1;--heap-growing-percent=30'`, with `=` when it starts with a dash);
// the first is the peer of the others. Reported per setting
// beside the peer, medians over the rounds: peak RSS (what it saves), logs/s stored end to end
// and CPU per million logs (what it costs). Every run checks stored == accepted itself.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Report, spread, type ReportRow } from './report.ts';

const FIGURES = {
  e2e: 'log-ingest end to end (HTTP → storage)',
  raw: 'raw insert of the same rows, the fastest way in',
  cpu: 'CPU per million logs stored: service, all threads (cost, lower is better)',
  rss: 'service peak RSS (VmHWM)',
  warmRss: 'service peak RSS by the end of the warm-up',
} as const;
type Figure = keyof typeof FIGURES;

/** `settings[i]`: `NAME=VALUE` pairs separated by `;` ('' for the defaults). */
export async function e2eSettings(
  args: readonly string[],
  settings: readonly string[],
  rounds: number,
  jsonFile?: string,
): Promise<void> {
  const label = (s: string) => (s.trim() === '' ? 'defaults' : s.trim());
  const work = await mkdtemp(path.join(tmpdir(), 'log-ingest-e2e-settings-'));
  const figures = settings.map((): Record<Figure, number[]> => ({
    e2e: [],
    raw: [],
    cpu: [],
    rss: [],
    warmRss: [],
  }));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = settings.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const json = path.join(work, `${i}-${round}.json`);
        const serviceEnv = settings[i]!.split(';').filter((pair) => pair.trim() !== '');
        console.error(`--settings: round ${round + 1} of ${rounds}: ${label(settings[i]!)}`);
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            [
              'bench/e2e.ts',
              ...args,
              // One argument each: a flag as a separate value would be read as an option of ours.
              ...serviceEnv.map((pair) => `--service-env=${pair}`),
              '--json',
              json,
            ],
            { cwd: path.resolve(import.meta.dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] },
          );
          child.once('exit', resolve);
        });
        if (code !== 0) throw new Error(`bench:e2e with ${label(settings[i]!)} exited with ${code}`);
        const rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: ReportRow[] }).rows;
        for (const [key, name] of Object.entries(FIGURES))
          figures[i]![key as Figure].push(rows.find((row) => row.case === name)?.value ?? Number.NaN);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const report = new Report('bench:e2e --settings');
  const median = (values: number[]) => spread(values).median;
  const peer = figures[0]!;
  const rounded = (values: number[]) => values.map((v) => Math.round(v).toLocaleString('en')).join(', ');
  for (let i = 0; i < settings.length; i++) {
    const side = figures[i]!;
    const peerOf = (figure: Figure) => median(peer[figure]);
    report.add({
      case: `${label(settings[i]!)}: service peak RSS`,
      value: median(side.rss),
      peer: i === 0 ? 600 : peerOf('rss'),
      unit: 'MB',
      note: `rounds ${rounded(side.rss)}; ${i === 0 ? 'limit: under 600 MB' : `peer: ${label(settings[0]!)}`}`,
    });
    report.add({
      case: `${label(settings[i]!)}: service peak RSS by the end of the warm-up`,
      value: median(side.warmRss),
      peer: i === 0 ? 600 : peerOf('warmRss'),
      unit: 'MB',
      note: `rounds ${rounded(side.warmRss)}; learning the templates, before the load`,
    });
    report.add({
      case: `${label(settings[i]!)}: logs/s stored end to end`,
      value: median(side.e2e),
      peer: i === 0 ? median(side.raw) : peerOf('e2e'),
      unit: 'logs/s',
      note: `rounds ${rounded(side.e2e)}; ${i === 0 ? `peer: the raw insert in the same runs (${rounded(side.raw)})` : `peer: ${label(settings[0]!)}`}`,
    });
    report.add({
      case: `${label(settings[i]!)}: service CPU per million logs stored`,
      value: median(side.cpu),
      peer: i === 0 ? null : peerOf('cpu'),
      unit: 'CPU s',
      note: `cost, lower is better${i === 0 ? '' : `; peer: ${label(settings[0]!)}`}`,
    });
  }
  console.log(
    `\nEnd to end into storage, settings side by side: ${rounds} rounds, alternating (${args.join(' ') || 'default bench:e2e options'})\n`,
  );
  report.emit(jsonFile);
}
