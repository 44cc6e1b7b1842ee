/**
 * What people decide about a template, beside what the generator learned: a name and a note, a
 * merge into another template (reads count its logs as that one's; undone by merging into
 * nothing), and an ingest rule. It travels on the templates channel as a record of its own
 * (TemplateChange kind 'curate'), so the generator, which owns the template's text, and a person,
 * who owns its curation, never overwrite each other's work.
 */

/**
 * keep: every line is stored. sample: `samplePercent` of the lines are stored whole and the rest
 * as a count-only stub (DROPPED_MESSAGE). drop: every line is a stub. Stubs keep the template id,
 * time, level, service and host, so volumes stay exact while the text is not kept.
 */
export type IngestRule = 'keep' | 'sample' | 'drop';

export const INGEST_RULES: readonly IngestRule[] = ['keep', 'sample', 'drop'];

export interface Curation {
  org: string;
  /** The template it is about. */
  id: number;
  /** '' when none. */
  name: string;
  note: string;
  rule: IngestRule;
  /** 0-100, the share of lines kept whole under `sample`; 100 otherwise. */
  samplePercent: number;
  /** 0: not merged. Else the template whose history this one's reads as. */
  mergedInto: number;
  /** Epoch ms of the change; the newest wins where two meet. */
  updatedAt: number;
  /** Who made the change (see curate/actor.ts). */
  updatedBy: string;
}

export const NAME_MAX_LENGTH = 200;
export const NOTE_MAX_LENGTH = 4000;

/** A template nobody curated. */
export function uncurated(org: string, id: number): Curation {
  return {
    org,
    id,
    name: '',
    note: '',
    rule: 'keep',
    samplePercent: 100,
    mergedInto: 0,
    updatedAt: 0,
    updatedBy: '',
  };
}

/**
 * The message of a stored line a drop or sample rule did not keep: a stub row. Empty text is never
 * a stored log otherwise (validation refuses an empty or blank message on every way in), so reads
 * tell stubs apart by it: counts include them, lines and values do not.
 */
export const DROPPED_MESSAGE = '';

/**
 * Whether a line under `rule` is kept whole. Sampling is decided by a hash of the row id, not at
 * random: the same line gets the same answer when a crash makes it go through again (the
 * write-ahead log's replay, a Kafka transaction retried), so it is never stored once as a stub and
 * once whole. FNV-1a over the id's characters; ids are decimal digits.
 */
export function keepsLine(rule: IngestRule, samplePercent: number, rowKey: string): boolean {
  if (rule === 'keep') return true;
  if (rule === 'drop') return false;
  let h = 0x811c9dc5;
  for (let i = 0; i < rowKey.length; i++) {
    h ^= rowKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % 10_000 < samplePercent * 100;
}
