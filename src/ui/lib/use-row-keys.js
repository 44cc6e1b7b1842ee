import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/** Whether a key press belongs to a text field (then the page's shortcuts stay out of it). */
export function typingIn(/** @type {EventTarget | null} */ target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/**
 * j / k (or ↓ / ↑) move through a table's rows, Enter opens the selected one. The selected row
 * is scrolled into view; -1: none selected yet.
 * @param {number} count rows in the table
 * @param {(index: number) => void} open
 * @returns {number} the selected row
 */
export function useRowKeys(count, open) {
  const [selected, setSelected] = useState(-1);
  // The listener reads the selection from here, not from its render: keys pressed faster than
  // the page re-renders (a held j) each move on from the last one.
  const current = useRef(-1);
  const select = (/** @type {number} */ row) => {
    current.current = row;
    setSelected(row);
  };
  useEffect(() => {
    if (current.current >= count) select(count - 1);
  }, [count]);
  // Subscribed as the rows are drawn (a layout effect), not a frame later: a key pressed as
  // soon as the rows show must find them.
  useLayoutEffect(() => {
    /** @param {KeyboardEvent} event */
    const onKey = (event) => {
      if (typingIn(event.target) || event.metaKey || event.ctrlKey || event.altKey) return;
      const move =
        event.key === 'j' || event.key === 'ArrowDown'
          ? 1
          : event.key === 'k' || event.key === 'ArrowUp'
            ? -1
            : 0;
      const row = current.current;
      if (move !== 0 && count > 0) {
        event.preventDefault();
        const next = Math.min(count - 1, Math.max(0, row + move));
        select(next);
        document.querySelector(`[data-row="${next}"]`)?.scrollIntoView({ block: 'nearest' });
      } else if (event.key === 'Enter' && row >= 0 && row < count && !activates(event.target)) {
        event.preventDefault();
        open(row);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [count, open]);
  return selected;
}

/** A focused link or button takes Enter itself. */
function activates(/** @type {EventTarget | null} */ target) {
  return target instanceof HTMLElement && (target.tagName === 'A' || target.tagName === 'BUTTON');
}
