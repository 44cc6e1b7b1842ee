/**
 * RFC 3339 times as syslog senders write them (`2026-12-07T13:58:28.513772+00:00`), read
 * faster than ingest/timestamp.ts's general ISO 8601 parser, which took most of the parse time
 * per message: the date and time to the second are read by that parser once per second (the
 * messages of a burst share it) and the fraction and offset added here.
 */
import { parseIsoTimestamp } from '../../ingest/timestamp.ts';

let lastSecond = '';
let lastSecondMs = 0;

/** Epoch ms, or undefined when `text` is not `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM]`. */
export function parseRfc3339(text: string): number | undefined {
  if (text.length < 19 || text[10] !== 'T') return undefined;
  const second = text.slice(0, 19);
  let ms: number;
  if (second === lastSecond) ms = lastSecondMs;
  else {
    const parsed = parseIsoTimestamp(`${second}Z`);
    if (parsed === undefined) return undefined;
    lastSecond = second;
    lastSecondMs = ms = parsed;
  }
  let i = 19;
  if (text[i] === '.') {
    let fraction = 0;
    let digits = 0;
    for (i++; i < text.length; i++, digits++) {
      const d = text.charCodeAt(i) - 0x30;
      if (d < 0 || d > 9) break;
      if (digits < 3) fraction = fraction * 10 + d;
    }
    if (digits === 0 || digits > 9) return undefined;
    ms += digits >= 3 ? fraction : fraction * 10 ** (3 - digits);
  }
  const rest = text.length - i;
  if (rest === 0 || (rest === 1 && (text[i] === 'Z' || text[i] === 'z'))) return ms;
  // ±HH:MM
  const sign = text[i] === '+' ? 1 : text[i] === '-' ? -1 : 0;
  if (sign === 0 || rest !== 6 || text[i + 3] !== ':') return undefined;
  const hours = Number(text.slice(i + 1, i + 3));
  const minutes = Number(text.slice(i + 4, i + 6));
  if (!/^\d\d$/.test(text.slice(i + 1, i + 3)) || !/^\d\d$/.test(text.slice(i + 4, i + 6))) return undefined;
  if (hours > 23 || minutes > 59) return undefined;
  return ms - sign * (hours * 60 + minutes) * 60_000;
}
