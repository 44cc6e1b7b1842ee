/**
 * A Loki stream's labels as Promtail, Alloy and every Loki client write them: the Prometheus
 * label-set text `{app="api", level="warn"}` that Loki parses with Prometheus' ParseMetric.
 * Names are `[a-zA-Z_][a-zA-Z0-9_]*` or, as Prometheus 3 allows, a quoted string; values are
 * quoted with `"`, `'` or a backtick, with Go's escapes (Go's strconv.Quote writes them, so
 * `\"`, `\\`, `\n`, `\t`, `\u00a0`… all arrive). Separators are commas, a trailing one allowed.
 * A label with an empty value is absent, as in Loki (it drops them before hashing a stream).
 *
 * Hostile text is bounded: one pass, no regular expression over the whole text, at most
 * MAX_LABELS labels; anything else is a LabelSetError (the request is refused, as Loki refuses
 * it: "couldn't parse labels").
 */

export class LabelSetError extends Error {}

/** More labels than any real stream has (Loki's default limit is 15): refused, not collected. */
export const MAX_LABELS = 256;

export type LabelPairs = Array<readonly [string, string]>;

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

class Cursor {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  fail(what: string): never {
    throw new LabelSetError(`${what} at offset ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  /** The next character, consumed; fails at the end. */
  take(): string {
    if (this.pos >= this.text.length) this.fail('unexpected end of the label set');
    return this.text[this.pos++]!;
  }

  expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  name(): string {
    const q = this.text[this.pos];
    if (q === '"' || q === "'" || q === '`') {
      const quoted = this.quoted();
      if (quoted === '') this.fail('an empty label name');
      return quoted;
    }
    const start = this.pos;
    if (!isNameStart(this.text.charCodeAt(this.pos))) this.fail('expected a label name');
    while (this.pos < this.text.length && isNameChar(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted string, its escapes decoded as Go's strconv.Unquote does. */
  quoted(): string {
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'" && quote !== '`') this.fail('expected a quoted value');
    this.pos++;
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('an unterminated quoted string');
      const ch = this.text[this.pos]!;
      if (ch === quote) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (quote !== '`' && ch === '\n') this.fail('a line break inside a quoted string');
      if (ch !== '\\' || quote === '`') {
        this.pos++;
        continue;
      }
      out += this.text.slice(runStart, this.pos);
      this.pos++;
      out += this.escape(quote);
      runStart = this.pos;
    }
  }

  private escape(quote: string): string {
    const at = this.pos;
    const e = this.take();
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) return simple;
    if (e === quote) return e;
    if (e === 'x') return this.codePoint(this.hex(2), at);
    if (e === 'u') return this.codePoint(this.hex(4), at);
    if (e === 'U') return this.codePoint(this.hex(8), at);
    if (e >= '0' && e <= '7') {
      const digits = e + this.take() + this.take();
      if (!/^[0-7]{3}$/.test(digits)) this.fail('a bad octal escape');
      return this.codePoint(parseInt(digits, 8), at);
    }
    this.pos = at;
    return this.fail(`an unknown escape \\${e}`);
  }

  private hex(n: number): number {
    const digits = this.text.slice(this.pos, this.pos + n);
    if (digits.length !== n || !/^[0-9a-fA-F]+$/.test(digits)) this.fail('a bad hexadecimal escape');
    this.pos += n;
    return parseInt(digits, 16);
  }

  /**
   * One character of an escape. \x and octal escapes are bytes in Go: above 0x7f they are part
   * of a UTF-8 sequence that strconv.Quote would have written as the character itself, so
   * such a byte alone is not text; refused rather than guessed.
   */
  private codePoint(cp: number, at: number): string {
    const byteEscape = this.text[at] === 'x' || (this.text[at]! >= '0' && this.text[at]! <= '7');
    if ((byteEscape && cp > 0x7f) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      this.pos = at;
      this.fail('an escape that is not a Unicode character');
    }
    return String.fromCodePoint(cp);
  }
}

/**
 * The labels of `{name="value", ...}`, in the order written; empty values left out. A name
 * given twice is refused (Loki refuses the stream: "duplicate label name").
 */
export function parseLabelSet(text: string): LabelPairs {
  const c = new Cursor(text);
  const pairs: LabelPairs = [];
  const seen = new Set<string>();
  c.skipSpace();
  c.expect('{');
  c.skipSpace();
  while (c.text[c.pos] !== '}') {
    const name = c.name();
    c.skipSpace();
    c.expect('=');
    c.skipSpace();
    const value = c.quoted();
    if (seen.has(name)) c.fail(`the label ${JSON.stringify(name.slice(0, 64))} given twice`);
    seen.add(name);
    if (seen.size > MAX_LABELS) c.fail(`more than ${MAX_LABELS} labels`);
    if (value !== '') pairs.push([name, value]);
    c.skipSpace();
    if (c.text[c.pos] === ',') {
      c.pos++;
      c.skipSpace();
    } else if (c.text[c.pos] !== '}') c.fail('expected "," or "}"');
  }
  c.pos++;
  c.skipSpace();
  if (c.pos !== text.length) c.fail('text after the closing "}"');
  return pairs;
}
