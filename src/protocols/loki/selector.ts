/**
 * A LogQL stream selector, as Grafana's Logs Drilldown sends it to the patterns API:
 * `{service_name="api", level=~"warn|error"}`. Matchers `=`, `!=`, `=~`, `!~` (RE2 regular
 * expressions, matched whole as Loki does); values in double quotes or backticks. Labels map to
 * the columns they were taken from on push (loki/fields.ts): service_name, service, app, job →
 * service; level, detected_level, severity → level; host, hostname, instance → host; any
 * other label → that metadata key. Anything after the selector (a line filter, a parser) is
 * refused: only the selector is read. Bounded: at most MAX_MATCHERS, MAX_SELECTOR_LENGTH.
 */
import { BadRequestError } from '../../errors.ts';
import type { LabelFilter, MatchOp } from '../../store/label-filter.ts';

export const MAX_MATCHERS = 32;
export const MAX_SELECTOR_LENGTH = 4096;

const COLUMN_OF: Record<string, LabelFilter['column']> = {
  service_name: 'service',
  service: 'service',
  app: 'service',
  job: 'service',
  level: 'level',
  detected_level: 'level',
  severity: 'level',
  host: 'host',
  hostname: 'host',
  instance: 'host',
};

function bad(message: string): BadRequestError {
  return new BadRequestError('INVALID_QUERY', `query: ${message}`, [
    { index: null, field: 'query', code: 'INVALID_QUERY', message },
  ]);
}

/**
 * A regular expression the engine's RE2 will take: one JavaScript compiles too, without the
 * lookarounds and backreferences RE2 lacks (an expression the engine refused would be a 500).
 */
function assertRe2(value: string): void {
  try {
    new RegExp(value, 'u');
  } catch (err) {
    throw bad(`not a regular expression: ${(err as Error).message}`);
  }
  if (/\(\?<?[=!]|\\[1-9]/.test(value)) throw bad('lookarounds and backreferences are not supported (RE2)');
}

export function parseSelector(text: string): LabelFilter[] {
  if (text.length > MAX_SELECTOR_LENGTH) throw bad(`longer than ${MAX_SELECTOR_LENGTH} characters`);
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(,|\})/y;
  let at = text.indexOf('{');
  if (at < 0 || text.slice(0, at).trim() !== '')
    throw bad('expected a stream selector such as {service_name="api"}');
  at++;
  const filters: LabelFilter[] = [];
  if (/^\s*\}/.test(text.slice(at))) at = text.indexOf('}', at) + 1;
  else {
    for (;;) {
      re.lastIndex = at;
      const m = re.exec(text);
      if (m === null) throw bad(`cannot read a matcher at character ${at}`);
      if (filters.length === MAX_MATCHERS) throw bad(`more than ${MAX_MATCHERS} matchers`);
      const [, name, op, quoted, end] = m as unknown as [string, string, MatchOp, string, string];
      const value = quoted.startsWith('`') ? quoted.slice(1, -1) : (JSON.parse(quoted) as string);
      if (op === '=~' || op === '!~') assertRe2(value);
      const column = COLUMN_OF[name] ?? 'metadata';
      filters.push(column === 'metadata' ? { column, key: name, op, value } : { column, op, value });
      at = re.lastIndex;
      if (end === '}') break;
    }
  }
  if (text.slice(at).trim() !== '') throw bad('only a stream selector is read: no line filters or parsers');
  return filters;
}
