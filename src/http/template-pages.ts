import { BadRequestError } from '../errors.ts';

export const DEFAULT_TEMPLATES_LIMIT = 100;
export const MAX_TEMPLATES_LIMIT = 1000;

/** What a page is cut from: any template entry (all-time or within a window). */
interface Counted {
  id: number;
  count: number;
}

export interface TemplatePage<T> {
  templates: T[];
  /** Entries in the whole list, every page together. */
  total: number;
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: string | null;
}

/** Loudest first, equal counts by id: a total order, so a page boundary neither skips nor repeats. */
function byVolume(a: Counted, b: Counted): number {
  return b.count - a.count || a.id - b.id;
}

function encodeCursor(last: Counted): string {
  return Buffer.from(JSON.stringify([last.count, last.id])).toString('base64url');
}

function decodeCursor(raw: string): Counted {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [count, id] = value as unknown[];
      if (
        Number.isSafeInteger(count) &&
        Number.isSafeInteger(id) &&
        (count as number) >= 0 &&
        (id as number) >= 0
      )
        return { count: count as number, id: id as number };
    }
  } catch {
    // fall through: any malformed cursor gets the same answer
  }
  const message = 'not a cursor returned by this endpoint';
  throw new BadRequestError('INVALID_CURSOR', `cursor: ${message}`, [
    { index: null, field: 'cursor', code: 'INVALID_CURSOR', message },
  ]);
}

/**
 * One page of an org's templates, cut after the store has counted them all (the store answers
 * the whole list; the page keeps the answer small: one org had 1,588 templates, 514 KB). The
 * cursor is the last entry's (count, id): the next page starts after it in the same order. A
 * template whose count grows between two requests can move across that boundary (counts are
 * live); the counts of one page are exact.
 */
export function pageOfTemplates<T extends Counted>(
  entries: readonly T[],
  limit: number,
  cursor: string | undefined,
): TemplatePage<T> {
  const sorted = entries.toSorted(byVolume);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const start = after === undefined ? 0 : sorted.findIndex((entry) => byVolume(entry, after) > 0);
  const from = start === -1 ? sorted.length : start;
  const templates = sorted.slice(from, from + limit);
  const last = templates.at(-1);
  const more = from + limit < sorted.length;
  return {
    templates,
    total: sorted.length,
    nextCursor: more && last !== undefined ? encodeCursor(last) : null,
  };
}
