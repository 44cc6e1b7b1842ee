import { h } from 'preact';
import htm from 'htm';

/** JSX-like templates without a build step: htm turns tagged template literals into preact calls. */
export const html = htm.bind(h);
