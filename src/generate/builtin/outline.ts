import { WILDCARD } from '../../model/template.ts';
import { tokenize } from '../../match/tokenize.ts';

const LINE_BREAK = /\r?\n/;
const INDENTED = /^[ \t]/;

/**
 * The tokens a multi-line message (a stack trace, a traceback, a JSON document or an SQL
 * statement that a shipper joined into one message) is mined from: its lines that start at the
 * margin are its structure and are kept (`java.lang.IllegalStateException: ...`,
 * `Caused by: ...`, `Traceback (most recent call last):`, `KeyError: ...`, `During handling of
 * the above exception ...`), each run of indented lines is detail (frames, source lines, the
 * fields of a document) and becomes one `<*>`, which takes any number of tokens in the matcher.
 * Two traces of one kind of event then give the same tokens however deep each was; a new kind
 * (another exception type, another cause) gives other tokens. Blank lines are neither. A
 * message without a line break gives its plain tokens.
 */
export function outlineTokens(message: string): string[] {
  if (!message.includes('\n')) return tokenize(message);
  const tokens: string[] = [];
  let inDetail = false;
  for (const [k, line] of message.split(LINE_BREAK).entries()) {
    if (line.trim() === '') continue;
    if (k > 0 && INDENTED.test(line)) {
      if (!inDetail) tokens.push(WILDCARD);
      inDetail = true;
      continue;
    }
    inDetail = false;
    for (const token of tokenize(line)) tokens.push(token);
  }
  return tokens;
}
