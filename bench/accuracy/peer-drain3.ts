// `--peer drain3`: Drain3 run by the benchmark itself on the same messages, in the same run,
// as ../shared/loghub-2k/PUBLISHED.md describes its measurement: Drain3 0.9.11 from PyPI,
// each system's st, depth and regex masks from settings.json (masked as `<*>`), lines in file
// order, each line given its cluster's final template. Python runs bench/peers/drain3_runner.py
// in a virtualenv under .bench/venv, created on first use; the job goes in as JSON on stdin and
// the per-line templates come back as JSON on stdout. Scoring is ours (bench/metrics.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ParsedLine } from '../metrics.ts';

export const DRAIN3_VERSION = '0.9.11';

const ROOT = resolve(import.meta.dirname, '../..');
export const VENV_DIR = join(ROOT, '.bench', 'venv');
const RUNNER = join(ROOT, 'bench', 'peers', 'drain3_runner.py');

/** What Drain3 takes from a system's settings.json entry. */
export interface Drain3Settings {
  st: number;
  depth: number;
  regex: string[];
}

/** The runner's stdin. */
export interface Drain3Job {
  lines: string[];
  settings: Drain3Settings;
  /** Drain3's default, and what the published figures were measured with. */
  parametrize_numeric_tokens: boolean;
}

/** The runner's stdout. */
export interface Drain3Output {
  version: string;
  /** Drain3 cluster id of each line. */
  clusters: number[];
  /** The final template of each line's cluster. */
  templates: string[];
  /** Drain3's own time for the lines (masking and training), process start and JSON excluded. */
  seconds: number;
}

/** A system's settings.json entry checked for what Drain3 needs. */
export function drain3Settings(system: string, entry: unknown): Drain3Settings {
  const { st, depth, regex } = (entry ?? {}) as Record<string, unknown>;
  if (typeof st !== 'number' || !(st > 0 && st <= 1)) {
    throw new Error(`settings.json: ${system} has no st in (0, 1] for Drain3`);
  }
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 3) {
    throw new Error(`settings.json: ${system} has no integer depth >= 3 for Drain3`);
  }
  const masks = regex ?? [];
  if (!Array.isArray(masks) || !masks.every((r) => typeof r === 'string')) {
    throw new Error(`settings.json: ${system}'s regex is not a list of strings`);
  }
  return { st, depth, regex: masks };
}

export function drain3Job(lines: readonly string[], settings: Drain3Settings): string {
  const job: Drain3Job = { lines: [...lines], settings, parametrize_numeric_tokens: true };
  return JSON.stringify(job);
}

/** The runner's JSON, checked: one cluster and one template per line sent. */
export function parseDrain3Output(text: string, lines: number): Drain3Output {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`drain3 runner: output is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  const { version, clusters, templates, seconds } = (value ?? {}) as Record<string, unknown>;
  if (typeof version !== 'string') throw new Error('drain3 runner: no version');
  if (!Array.isArray(clusters) || !clusters.every((c) => Number.isInteger(c))) {
    throw new Error('drain3 runner: clusters is not a list of integers');
  }
  if (!Array.isArray(templates) || !templates.every((t) => typeof t === 'string')) {
    throw new Error('drain3 runner: templates is not a list of strings');
  }
  if (clusters.length !== lines || templates.length !== lines) {
    throw new Error(
      `drain3 runner: ${lines} lines sent, ${clusters.length} clusters and ${templates.length} templates back`,
    );
  }
  if (typeof seconds !== 'number' || !(seconds >= 0)) throw new Error('drain3 runner: no seconds');
  return { version, clusters: clusters as number[], templates, seconds };
}

/**
 * Drain3's lines for bench/metrics.ts. Groups are keyed by template text, as an evaluator
 * reading `LineId,EventTemplate` would (and as the published figures were scored): Drain3 can
 * leave two clusters with one final template (HDFS), which a reader of templates cannot tell apart.
 */
export function drain3Parsed(output: Drain3Output): ParsedLine[] {
  return output.templates.map((template) => ({ group: template, template }));
}

function drain3Version(python: string): string | undefined {
  const probe = spawnSync(python, ['-c', 'import importlib.metadata as m; print(m.version("drain3"))'], {
    encoding: 'utf8',
  });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

function run(command: string, args: string[]): void {
  console.error(`$ ${command} ${args.join(' ')}`);
  // pip's output goes to stderr, keeping stdout for the tables.
  const result = spawnSync(command, args, { stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `status ${result.status}`})`,
    );
  }
}

/** The virtualenv's python with drain3 0.9.11 in it: created on first use, reused afterwards. */
export function ensureDrain3(): string {
  const python = join(VENV_DIR, 'bin', 'python');
  if (existsSync(python) && drain3Version(python) === DRAIN3_VERSION) return python;
  console.error(`Installing Drain3 ${DRAIN3_VERSION} into ${VENV_DIR} (once)`);
  if (!existsSync(python)) run('python3', ['-m', 'venv', VENV_DIR]);
  run(python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `drain3==${DRAIN3_VERSION}`,
  ]);
  const installed = drain3Version(python);
  if (installed !== DRAIN3_VERSION) {
    throw new Error(`${VENV_DIR}: drain3 ${installed ?? 'missing'} after install, ${DRAIN3_VERSION} wanted`);
  }
  return python;
}

/** Runs a Python runner with `input` on stdin; resolves with its stdout, rejects with its stderr. */
export function runPython(python: string, runner: string, input: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(python, [runner], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done(Buffer.concat(out).toString('utf8'));
      else
        fail(new Error(`drain3 runner exited with ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    child.stdin.end(input);
  });
}

/** Runs Drain3 on one dataset's messages in a child process. */
export async function runDrain3(
  python: string,
  lines: readonly string[],
  settings: Drain3Settings,
): Promise<Drain3Output> {
  const output = await runPython(python, RUNNER, drain3Job(lines, settings));
  return parseDrain3Output(output, lines.length);
}
