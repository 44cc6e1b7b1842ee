import { LlmError } from './errors.ts';

/**
 * The templates in a model's answer. Tolerant of what models do without structured output:
 * code fences, prose around the JSON, `{"template": ...}`, `{"templates": [...]}` (strings or
 * `{"template": ...}` objects) or a bare JSON string. Anything else is malformed (and worth
 * another attempt). The text is only parsed as JSON, never evaluated.
 */
export function parseTemplates(answer: string): string[] {
  const text = stripFences(answer).trim();
  const value = firstJsonValue(text);
  const templates = value === undefined ? undefined : templatesOf(value);
  if (templates === undefined || templates.length === 0) {
    throw new LlmError('LLM_MALFORMED_OUTPUT', 'the answer holds no template', { retryable: true });
  }
  return templates;
}

function stripFences(text: string): string {
  const fenced = /```[A-Za-z]*\s*\n?([\s\S]*?)```/.exec(text);
  return fenced?.[1] ?? text;
}

function firstJsonValue(text: string): unknown {
  if (text.startsWith('"')) return tryParse(text);
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  const end = matchingBrace(text, start);
  return end < 0 ? undefined : tryParse(text.slice(start, end + 1));
}

/** Index of the brace closing the object that opens at `start`, skipping braces inside strings. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function templatesOf(value: unknown): string[] | undefined {
  if (typeof value === 'string') return usable(value) ? [value.trim()] : undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if ('template' in record) return templatesOf(record.template);
  if (!Array.isArray(record.templates)) return undefined;
  const out: string[] = [];
  for (const item of record.templates as unknown[]) {
    const inner = templatesOf(item);
    if (inner === undefined) return undefined;
    out.push(...inner);
  }
  return out;
}

function usable(template: string): boolean {
  return template.trim() !== '';
}
