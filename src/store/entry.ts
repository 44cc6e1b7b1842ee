/**
 * The standalone write buffer's entries (model/insert-entry.ts): made from rows, cut where an
 * insert reaches its size, joined into an insert's body.
 */
import type { InsertEntry } from '../model/insert-entry.ts';
import type { StoredLog, WalTag } from '../model/log.ts';
import { encodeLogs, LOG_FORMAT } from './format.ts';
import type { Sizes } from './writer.ts';

/**
 * Rows not yet encoded (held logs the generator placed, a replay, no write-ahead log) as
 * entries: one per run of rows in the same WAL segment, since an entry is released from one.
 */
export function entriesOf(rows: readonly (StoredLog & WalTag)[]): InsertEntry[] {
  const entries: InsertEntry[] = [];
  for (let start = 0; start < rows.length;) {
    const walSegment = rows[start]!.walSegment ?? 0;
    let end = start + 1;
    while (end < rows.length && (rows[end]!.walSegment ?? 0) === walSegment) end++;
    const run = start === 0 && end === rows.length ? rows : rows.slice(start, end);
    entries.push({ text: encodeLogs(run, LOG_FORMAT), rows: run.length, walSegment });
    start = end;
  }
  return entries;
}

/**
 * Splits an entry after its first `rows` rows, at the end of that row's line: an insert then
 * holds exactly its size, and the rest waits for the next.
 */
export function cutEntry(entry: InsertEntry, rows: number): readonly [InsertEntry, InsertEntry] {
  let end = -1;
  for (let k = 0; k < rows; k++) end = entry.text.indexOf('\n', end + 1);
  const walSegment = entry.walSegment ?? 0;
  return [
    { text: entry.text.slice(0, end + 1), rows, walSegment },
    { text: entry.text.slice(end + 1), rows: entry.rows - rows, walSegment },
  ];
}

/** An insert's body: its entries' lines in order. */
export function joinEntries(entries: readonly InsertEntry[]): string {
  return entries.length === 1 ? entries[0]!.text : entries.map((entry) => entry.text).join('');
}

export const ENTRY_SIZES: Sizes<InsertEntry> = { rowsOf: (entry) => entry.rows, cut: cutEntry };
