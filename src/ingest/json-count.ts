/**
 * Counting the logs of a large JSON body before parsing it. A 10 MB body of a bare array of
 * millions of tiny values cost a full JSON.parse (hundreds of MB for a moment, tens of ms of
 * event loop) only to be refused with TOO_MANY_LOGS; a scan that stops at the first element
 * past the limit refuses it after reading a few kilobytes. Bodies too small to hold more than
 * the limit of real logs are not scanned at all, so ordinary batches pay nothing.
 */

/** Bodies shorter than this many bytes per allowed log cannot be worth scanning first. */
const SCAN_BYTES_PER_LOG = 64;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const LOGS_KEY = '"logs"';

/**
 * More than `maxLogs` elements in the body's logs array (a top-level array, or the array under
 * the top-level key "logs")? Reads as far as it takes to know; false for anything else, which
 * JSON.parse then judges. Only structure is read: strings are skipped, escapes included.
 */
export function hasMoreLogsThan(text: string, maxLogs: number): boolean {
  if (text.length <= maxLogs * SCAN_BYTES_PER_LOG) return false;
  let depth = 0;
  /** Depth of the logs array's elements, once inside it; -1 before. */
  let logsDepth = -1;
  let elements = 0;
  let sawElement = false;
  let lastKeyStart = -1;
  let lastKeyEnd = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const start = i;
      for (i++; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) break;
      }
      if (depth === 1) {
        lastKeyStart = start;
        lastKeyEnd = i + 1;
      }
      if (depth === logsDepth) sawElement = true;
      continue;
    }
    if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (depth === logsDepth) sawElement = true;
      depth++;
      if (logsDepth === -1 && code === OPEN_ARRAY && isLogsArray(text, depth, lastKeyStart, lastKeyEnd)) {
        logsDepth = depth;
      }
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      if (depth === logsDepth) return elements + (sawElement ? 1 : 0) > maxLogs;
      depth--;
    } else if (code === COMMA && depth === logsDepth) {
      elements++;
      if (elements >= maxLogs) return true;
    } else if (depth === logsDepth && code > 32) {
      sawElement = true;
    }
  }
  return false;
}

/** The array just opened (now at `depth`) is the body itself, or the value of the top-level "logs". */
function isLogsArray(text: string, depth: number, keyStart: number, keyEnd: number): boolean {
  if (depth === 1) return true;
  return (
    depth === 2 &&
    keyStart >= 0 &&
    text.startsWith(LOGS_KEY, keyStart) &&
    keyEnd - keyStart === LOGS_KEY.length
  );
}
