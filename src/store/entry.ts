/**
 * The standalone write buffer's entries (model/insert-entry.ts): made from rows, cut where an
 * insert reaches its size, joined into an insert's body.
 */
import type { InsertEntry } from '../model/insert-entry.ts';
import type { StoredLog, WalTag } from '../model/log.ts';
import { encodeLogs, LOG_FORMAT } from './format.ts';
import type { Sizes } from './writer.ts';

const NEWLINE = 0x0a;

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
    entries.push({ lines: encodeLogs(run, LOG_FORMAT), rows: run.length, walSegment });
    start = end;
  }
  return entries;
}

/**
 * Splits an entry after its first `rows` rows, at the end of that row's line: an insert then
 * holds exactly its size, and the rest waits for the next. Bytes are cut as views, not copied.
 */
export function cutEntry(entry: InsertEntry, rows: number): readonly [InsertEntry, InsertEntry] {
  const { lines } = entry;
  const walSegment = entry.walSegment ?? 0;
  let end = -1;
  if (typeof lines === 'string') {
    for (let k = 0; k < rows; k++) end = lines.indexOf('\n', end + 1);
    return [
      { lines: lines.slice(0, end + 1), rows, walSegment },
      { lines: lines.slice(end + 1), rows: entry.rows - rows, walSegment },
    ];
  }
  for (let k = 0; k < rows; k++) end = lines.indexOf(NEWLINE, end + 1);
  return [
    { lines: lines.subarray(0, end + 1), rows, walSegment },
    { lines: lines.subarray(end + 1), rows: entry.rows - rows, walSegment },
  ];
}

/**
 * An insert's body, as the UTF-8 the engine takes: the entries' lines in order, written once
 * into one Buffer (no string of the whole batch on the JavaScript heap).
 */
export function joinEntries(entries: readonly InsertEntry[]): Buffer {
  let bytes = 0;
  for (const { lines } of entries)
    bytes += typeof lines === 'string' ? Buffer.byteLength(lines) : lines.length;
  const body = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const { lines } of entries) {
    if (typeof lines === 'string') at += body.write(lines, at, 'utf8');
    else {
      body.set(lines, at);
      at += lines.length;
    }
  }
  return body;
}

export const ENTRY_SIZES: Sizes<InsertEntry> = { rowsOf: (entry) => entry.rows, cut: cutEntry };
