import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCsvRecords } from './csv.ts';

/** Benchmarks read LogHub-2k where it lives; the project does not copy it (licence). */
export const LOGHUB_DIR = process.env['LOGHUB_DIR'] ?? resolve(import.meta.dirname, '../../shared/loghub-2k');

export const DATASETS = [
  'Android',
  'Apache',
  'BGL',
  'Hadoop',
  'HDFS',
  'HealthApp',
  'HPC',
  'Linux',
  'OpenSSH',
  'Spark',
  'Windows',
  'Zookeeper',
] as const;

export interface LabelledLine {
  content: string;
  template: string;
}

export function loghubAvailable(): boolean {
  return existsSync(LOGHUB_DIR);
}

export function readDataset(name: string): LabelledLine[] {
  const text = readFileSync(join(LOGHUB_DIR, name, `${name}_2k.log_structured.csv`), 'utf8');
  return parseCsvRecords(text).map((record) => ({
    content: record['Content'] ?? '',
    template: record['EventTemplate'] ?? '',
  }));
}

export function readTemplates(name: string): string[] {
  const text = readFileSync(join(LOGHUB_DIR, name, `${name}_2k.log_templates.csv`), 'utf8');
  return parseCsvRecords(text).map((record) => record['EventTemplate'] ?? '');
}

let seed = 7;
/**
 * The line with each run of digits replaced by a fresh number of the same length (no leading
 * zero): new variable values, the same template. Seeded, so every run sends the same lines.
 */
export function withFreshNumbers(line: string): string {
  return line.replace(/\d+/g, (digits) => {
    let out = '';
    for (let i = 0; i < digits.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      out += String(i === 0 && digits.length > 1 ? 1 + (seed % 9) : seed % 10);
    }
    return out;
  });
}
