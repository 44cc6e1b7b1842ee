import { DOCS_PREFIX, UI_PREFIX } from '../http/paths.ts';

/**
 * The line the service logs once it listens: where it listens, and the two addresses a new user
 * opens next (the explorer page and the API's documentation), written so they can be clicked; a
 * process that serves neither (a matcher alone) says what it does serve instead.
 */
export interface StartLine {
  fields: { port: number; host: string; ui?: string; docs?: string };
  message: string;
}

/**
 * The address a browser on this machine uses: a wildcard bind address (0.0.0.0, ::) is where
 * the service listens, not a place to browse to (browsers refuse or mishandle it).
 */
export function browsableOrigin(host: string, port: number): string {
  const wildcard = host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
  const name = wildcard ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

export function startLine(host: string, port: number, description: string, page = true): StartLine {
  if (!page) {
    return {
      fields: { port, host },
      message: `log-ingest listening on ${host}:${port} (${description}); it serves GET /health, /stats and /metrics`,
    };
  }
  const origin = browsableOrigin(host, port);
  const ui = `${origin}${UI_PREFIX}`;
  const docs = `${origin}${DOCS_PREFIX}`;
  return {
    fields: { port, host, ui, docs },
    message: `log-ingest listening on ${host}:${port} (${description}); open ${ui} for the page, ${docs} for the API`,
  };
}
