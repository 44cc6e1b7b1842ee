import { html } from '../lib/html.js';

/**
 * A column header that sorts the table by it. `sort` is the table's current order: a column
 * id, `-` first for descending; a first click takes the column's `first` direction.
 * @param {{ id: string, label: string, sort: string, first: 'asc' | 'desc', onSort: (sort: string) => void, class?: string, title?: string }} props
 */
export function SortHeader({ id, label, sort, first, onSort, class: className = '', title }) {
  const current = sort === id ? 'ascending' : sort === `-${id}` ? 'descending' : 'none';
  const next =
    current === 'none' ? (first === 'desc' ? `-${id}` : id) : current === 'descending' ? id : `-${id}`;
  return html`<th class=${className} aria-sort=${current} scope="col">
    <button type="button" class="sort-button" onClick=${() => onSort(next)} title=${title}>
      ${label}<span class="sort-mark" aria-hidden="true"
        >${current === 'ascending' ? '↑' : current === 'descending' ? '↓' : ''}</span
      >
    </button>
  </th>`;
}

/**
 * Sorts rows by `sort` (see SortHeader) with a value per column; ties keep their order.
 * @template T
 * @param {readonly T[]} rows
 * @param {string} sort
 * @param {Record<string, (row: T) => string | number>} columns
 */
export function sortRows(rows, sort, columns) {
  const descending = sort.startsWith('-');
  const value = columns[descending ? sort.slice(1) : sort];
  if (value === undefined) return rows;
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return (
      sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)))
    );
  });
}
