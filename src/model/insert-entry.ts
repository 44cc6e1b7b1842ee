import type { WalTag } from './log.ts';

/**
 * Rows on their way to storage as the insert sends them: what the standalone write buffer
 * holds, one per request (store/entry.ts makes, cuts and joins them). One string for the
 * rows of a request instead of an object per log: under load the buffer's row objects and
 * their lines were most of what the main thread's old generation held (docs/benchmarks.md,
 * "The write buffer of entries").
 */
export interface InsertEntry extends WalTag {
  /**
   * The rows' insert lines (store/format.ts, LOG_FORMAT), one after the other, each ending in
   * '\n' and holding no other: the format escapes line breaks inside values (and in UTF-8 no
   * byte of another character is '\n'). As text, or as UTF-8: the part of a request thread's
   * WAL record that holds them, which came across transferred, not copied, and is never
   * decoded on the main thread.
   */
  readonly lines: string | Uint8Array;
  /** How many rows (lines) `lines` holds. */
  readonly rows: number;
}
