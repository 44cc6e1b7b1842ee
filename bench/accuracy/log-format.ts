// Cutting the message (Content) out of a raw LogHub line with settings.json's log_format,
// the way logparser's loader does (LogHub-2k README, "settings.json"): each `<Field>` becomes
// a lazy named group, the text between fields is a regular-expression fragment used as it is
// (the formats carry `\[`, `\|` and optional parts like `(\[<PID>\])?`, so escaping it would
// break them), each run of spaces matches one or more whitespace characters, the pattern is
// anchored at both ends and matched against the trimmed line.

export interface LineFormat {
  readonly regex: RegExp;
  readonly fields: readonly string[];
}

const FIELD = /(<[^<>]+>)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function compileLogFormat(format: string): LineFormat {
  const parts = format.split(FIELD);
  const fields: string[] = [];
  let source = '';
  parts.forEach((part, k) => {
    if (k % 2 === 0) {
      source += part.replace(/ +/g, '\\s+');
      return;
    }
    const name = part.slice(1, -1);
    if (!NAME.test(name) || fields.includes(name)) {
      throw new Error(`log_format ${JSON.stringify(format)}: bad or repeated field name <${name}>`);
    }
    fields.push(name);
    // Content last and anchored: greedy and lazy take the same text; greedy says so plainly.
    const last = parts.slice(k + 1).every((rest) => rest === '');
    source += name === 'Content' && last ? '(?<Content>.*)' : `(?<${name}>.*?)`;
  });
  if (!fields.includes('Content')) throw new Error(`log_format ${JSON.stringify(format)} has no <Content>`);
  return { regex: new RegExp(`^${source}$`), fields };
}

/** The line's Content, or undefined when the line does not have the format. */
export function cutContent(format: LineFormat, line: string): string | undefined {
  return format.regex.exec(line.trim())?.groups?.['Content'];
}

/** The lines of a log file: LF or CRLF endings, a final line break does not make an empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
