// A reader for the YAML this repository's deployment files are written in, for the tests that
// compare them with the config. No YAML library is a dependency, and these files use a small
// subset: block maps and sequences, one-line and multi-line flow sequences of scalars, quoted
// and plain scalars, comments, `---` between documents, anchors, aliases and `<<` merge keys.
// Anything else (block scalars, flow maps, tags, a sequence at its key's indentation) throws
// rather than being read wrongly. Every scalar is a string: `replicas: 2` gives '2'.

export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };
export type YamlMap = { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

/** The documents of a file, split at `---` lines. */
export function parseYamlDocuments(text: string): Yaml[] {
  return text
    .split(/^---[ \t]*$/m)
    .map((doc) => parseYaml(doc))
    .filter((doc) => doc !== null);
}

export function parseYaml(text: string): Yaml {
  const reader = new Reader(toLines(text));
  if (reader.peek() === undefined) return null;
  const value = reader.block(reader.peek()!.indent);
  const rest = reader.peek();
  if (rest !== undefined) throw new Error(`yaml line ${rest.no}: unexpected ${JSON.stringify(rest.text)}`);
  return value;
}

export function isMap(value: Yaml | undefined): value is YamlMap {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

/** Cuts a comment (a `#` at the start or after a space, outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Bracket depth of a line outside quotes, to join a flow sequence written over lines. */
function depth(text: string): number {
  let quote: string | undefined;
  let d = 0;
  for (const c of text) {
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[' || c === '{') d++;
    else if (c === ']' || c === '}') d--;
  }
  return d;
}

function toLines(text: string): Line[] {
  const lines: Line[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const stripped = stripComment(raw[i]!).trimEnd();
    if (stripped.trim() === '') continue;
    if (stripped.includes('\t')) throw new Error(`yaml line ${i + 1}: tab`);
    const indent = stripped.length - stripped.trimStart().length;
    let content = stripped.trim();
    const no = i + 1;
    while (depth(content) > 0 && i + 1 < raw.length) {
      i++;
      content += ' ' + stripComment(raw[i]!).trim();
    }
    lines.push({ indent, text: content, no });
  }
  return lines;
}

/** `key: rest` or `key:`, the key plain or quoted; undefined when the text is not a key. */
function splitKey(text: string): { key: string; rest: string } | undefined {
  const quoted = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*")\s*:(?:\s+|$)/.exec(text);
  if (quoted !== null) return { key: scalar(quoted[1]!), rest: text.slice(quoted[0].length).trim() };
  const plain = /^([^\s'"[\]{},#&*!|>%@`-][^:]*?|-[^\s:][^:]*?)\s*:(?:\s+|$)/.exec(text);
  if (plain === null) return undefined;
  return { key: plain[1]!, rest: text.slice(plain[0].length).trim() };
}

function scalar(text: string): string {
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new Error(`unterminated ${text}`);
    return text.slice(1, -1).replaceAll("''", "'");
  }
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (/^[|>!%@`{]/.test(text)) throw new Error(`yaml subset: unsupported value ${text}`);
  return text;
}

/** Splits a flow sequence's inside at top-level commas. */
function flowItems(inner: string): string[] {
  const items: string[] = [];
  let quote: string | undefined;
  let d = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') d++;
    else if (c === ']') d--;
    else if (c === ',' && d === 0) {
      items.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(inner.slice(start).trim());
  return items.filter((item) => item !== '');
}

class Reader {
  private readonly anchors = new Map<string, Yaml>();
  private i = 0;
  private readonly lines: Line[];

  constructor(lines: Line[]) {
    this.lines = lines;
  }

  peek(): Line | undefined {
    return this.lines[this.i];
  }

  block(indent: number): Yaml {
    const first = this.peek()!;
    if (first.indent !== indent) throw new Error(`yaml line ${first.no}: bad indentation`);
    if (first.text.startsWith('[')) {
      // A flow sequence on the lines below its key.
      this.i++;
      return this.value(first.text, indent - 1, first);
    }
    return first.text === '-' || first.text.startsWith('- ') ? this.sequence(indent) : this.map(indent);
  }

  /** The value of a key or item whose inline part is `rest`: inline, or the block below it. */
  private value(rest: string, parentIndent: number, line: Line): Yaml {
    const anchor = /^&([\w-]+)\s*/.exec(rest);
    const inline = anchor === null ? rest : rest.slice(anchor[0].length);
    let value: Yaml;
    if (inline === '') {
      const next = this.peek();
      value = next !== undefined && next.indent > parentIndent ? this.block(next.indent) : null;
    } else if (inline.startsWith('*')) {
      const name = inline.slice(1);
      if (!this.anchors.has(name)) throw new Error(`yaml line ${line.no}: unknown alias ${inline}`);
      value = this.anchors.get(name)!;
    } else if (inline.startsWith('[')) {
      if (!inline.endsWith(']')) throw new Error(`yaml line ${line.no}: unsupported flow ${inline}`);
      value = flowItems(inline.slice(1, -1)).map((item) => this.value(item, parentIndent, line));
    } else if (inline === '{}') {
      value = {};
    } else {
      value = scalar(inline);
    }
    if (anchor !== null) this.anchors.set(anchor[1]!, value);
    return value;
  }

  private map(indent: number): YamlMap {
    const out: YamlMap = {};
    const merged: YamlMap[] = [];
    for (let line = this.peek(); line !== undefined && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new Error(`yaml line ${line.no}: bad indentation`);
      if (line.text.startsWith('- ')) throw new Error(`yaml line ${line.no}: yaml subset: item in a map`);
      const kv = splitKey(line.text);
      if (kv === undefined) throw new Error(`yaml line ${line.no}: expected key: value, got ${line.text}`);
      this.i++;
      const value = this.value(kv.rest, indent, line);
      if (kv.key === '<<') {
        for (const m of Array.isArray(value) ? value : [value]) {
          if (!isMap(m)) throw new Error(`yaml line ${line.no}: << of a non-map`);
          merged.push(m);
        }
      } else {
        if (Object.hasOwn(out, kv.key)) throw new Error(`yaml line ${line.no}: duplicate key ${kv.key}`);
        out[kv.key] = value;
      }
    }
    // Keys written in the map win over merged ones, and earlier merges over later ones.
    for (const m of merged) {
      for (const [k, v] of Object.entries(m)) if (!Object.hasOwn(out, k)) out[k] = v;
    }
    return out;
  }

  private sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (let line = this.peek(); line !== undefined && line.indent >= indent; line = this.peek()) {
      if (line.indent > indent) throw new Error(`yaml line ${line.no}: bad indentation`);
      if (line.text !== '-' && !line.text.startsWith('- ')) break;
      const rest = line.text.slice(1).trimStart();
      if (splitKey(rest) !== undefined) {
        // `- key: value` starts a map whose other keys are indented to `key`.
        this.lines[this.i] = { indent: indent + (line.text.length - rest.length), text: rest, no: line.no };
        out.push(this.map(indent + (line.text.length - rest.length)));
      } else {
        this.i++;
        out.push(this.value(rest, indent, line));
      }
    }
    return out;
  }
}
