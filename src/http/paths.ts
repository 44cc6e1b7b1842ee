/**
 * Where the explorer page (routes/ui.ts) and the API's description (openapi.ts) are served: apart
 * from them so that what only names the paths (the start line, the key check) does not load them.
 */
export const UI_PREFIX = '/ui';
export const DOCS_PREFIX = '/docs';
