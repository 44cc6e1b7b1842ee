import { html } from '../lib/html.js';

/**
 * A real link (it opens in a new tab, copies, shows its address) that moves within the page
 * without a reload when clicked plainly.
 * @param {{ href: string, onNavigate: () => void, children?: any, [attr: string]: any }} props
 */
export function Link({ href, onNavigate, children, ...rest }) {
  /** @param {MouseEvent} event */
  const click = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    onNavigate();
  };
  return html`<a href=${href} onClick=${click} ...${rest}>${children}</a>`;
}
