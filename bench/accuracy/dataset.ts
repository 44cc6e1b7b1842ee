// One LogHub-2k system read from a folder in its layout: the raw `<System>_2k.log` (what the
// service would receive), the message cut out of each line with settings.json's log_format,
// and each line's ground-truth template from the structured CSV.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvRecords } from '../csv.ts';
import { DATASETS } from '../loghub.ts';
import { compileLogFormat, cutContent, splitLines } from './log-format.ts';

export interface DatasetLine {
  /** 1-based line number in the .log file (LineId in the CSVs). */
  lineId: number;
  /** The message, cut from the raw line (the whole line when it lacks the format). */
  content: string;
  /** The whole line, header included, as a user's shipper sends it (`--raw`). */
  raw: string;
  /** Ground-truth EventTemplate. */
  truth: string;
}

export interface Dataset {
  name: string;
  lines: DatasetLine[];
  /** Raw lines the log_format did not match (their whole text is the message). */
  formatMisses: number;
  /** Lines whose message differs from the structured CSV's Content. */
  contentMismatches: number;
  /** A few of those, for the report. */
  mismatchSamples: Array<{ lineId: number; raw: string; csv: string }>;
}

interface Settings {
  log_format?: unknown;
}

/** Systems in `dir` that have a raw log and a structured CSV, the usual twelve in their usual order first. */
export function listDatasets(dir: string): string[] {
  const present = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter(
      (name) =>
        existsSync(join(dir, name, `${name}_2k.log`)) &&
        existsSync(join(dir, name, `${name}_2k.log_structured.csv`)),
    );
  const known: readonly string[] = DATASETS;
  const order = (name: string): number => {
    const k = known.indexOf(name);
    return k === -1 ? known.length : k;
  };
  return present.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

export function readSettings(dir: string): Record<string, Settings> {
  return JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as Record<string, Settings>;
}

export function readDatasetFrom(dir: string, name: string, settings: Record<string, Settings>): Dataset {
  const logFormat = settings[name]?.log_format;
  if (typeof logFormat !== 'string') throw new Error(`settings.json has no log_format for ${name}`);
  const format = compileLogFormat(logFormat);
  const raw = splitLines(readFileSync(join(dir, name, `${name}_2k.log`), 'utf8'));
  const records = parseCsvRecords(readFileSync(join(dir, name, `${name}_2k.log_structured.csv`), 'utf8'));
  const byLineId = new Map(records.map((record) => [Number(record['LineId']), record]));

  const lines: DatasetLine[] = [];
  const mismatchSamples: Dataset['mismatchSamples'] = [];
  let formatMisses = 0;
  let contentMismatches = 0;
  raw.forEach((text, k) => {
    const lineId = k + 1;
    let content = cutContent(format, text);
    if (content === undefined) {
      formatMisses++;
      content = text;
    }
    const record = byLineId.get(lineId);
    if (record === undefined) throw new Error(`${name}: LineId ${lineId} is not in the structured CSV`);
    const csv = record['Content'] ?? '';
    if (csv !== content) {
      contentMismatches++;
      if (mismatchSamples.length < 3) mismatchSamples.push({ lineId, raw: content, csv });
    }
    lines.push({ lineId, content, raw: text, truth: record['EventTemplate'] ?? '' });
  });
  if (records.length !== raw.length) {
    throw new Error(`${name}: ${raw.length} log lines but ${records.length} structured rows`);
  }
  return { name, lines, formatMisses, contentMismatches, mismatchSamples };
}
