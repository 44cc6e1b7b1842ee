/**
 * Reads filtered by a log's labels (service, level, host, or a metadata key): what the Loki
 * patterns API's stream selector becomes (protocols/loki/selector.ts), as SQL with bound
 * parameters.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One matcher on a stored column, or on a metadata key. */
export interface LabelFilter {
  column: 'service' | 'level' | 'host' | 'metadata';
  /** The metadata key (column metadata). */
  key?: string;
  op: MatchOp;
  value: string;
}

/** The filters as SQL conditions with bound parameters (added to `params`). */
export function filterConditions(filters: readonly LabelFilter[], params: Record<string, unknown>): string[] {
  return filters.map((f, i) => {
    const value = `{f${i}:String}`;
    params[`f${i}`] = f.value;
    let target: string = f.column;
    if (f.column === 'metadata') {
      params[`k${i}`] = f.key;
      target = `metadata[{k${i}:String}]`;
    }
    // Levels are stored in upper case and sent in any (Grafana sends `level="warn"`).
    const level = f.column === 'level';
    if (level) {
      target = 'lower(level)';
      params[`f${i}`] = f.value.toLowerCase();
    }
    // Loki anchors regular expressions: the whole value must match.
    if (f.op === '=~' || f.op === '!~') params[`f${i}`] = `${level ? '(?i)' : ''}^(?:${f.value})$`;
    switch (f.op) {
      case '=':
        return `${target} = ${value}`;
      case '!=':
        return `${target} != ${value}`;
      case '=~':
        return `match(${target}, ${value})`;
      case '!~':
        return `NOT match(${target}, ${value})`;
    }
  });
}
