/**
 * The explorer page (GET /ui): plain ES modules from src/ui/ and the two libraries it imports
 * (preact, htm) from node_modules, read once at start and served from memory. Only the files
 * read at start exist here: a path is looked up in a map, never joined onto a folder, so
 * `/ui/../package.json` or `/ui/%2e%2e/x` can reach nothing but the 404.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UI_PREFIX } from '../paths.ts';

interface UiFile {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

/** The libraries the import map in index.html names, by the path it gives them. */
const VENDOR: Record<string, string> = {
  'vendor/preact.mjs': 'preact',
  'vendor/preact-hooks.mjs': 'preact/hooks',
  'vendor/htm.mjs': 'htm',
};

function uiFile(name: string, body: Buffer): UiFile {
  const type = TYPES[path.extname(name)];
  if (type === undefined) throw new Error(`src/ui: no content type for ${name}`);
  const digest = createHash('sha256').update(body).digest('base64url').slice(0, 22);
  return { body, type, etag: `"${digest}"` };
}

/** Every servable file under src/ui (by extension: not its tsconfig.json), by path from it. */
function pageFiles(dir: string, prefix = ''): Array<[string, Buffer]> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Array<[string, Buffer]> => {
    const name = `${prefix}${entry.name}`;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return pageFiles(full, `${name}/`);
    return TYPES[path.extname(entry.name)] === undefined ? [] : [[name, readFileSync(full)]];
  });
}

/**
 * The Content-Security-Policy of every answer: the page's code only from here, no inline
 * script or style. The import map is the one inline element, and browsers hold it to
 * script-src, so its exact text is allowed by its hash (no 'unsafe-inline'); a changed map
 * changes the hash at the next start.
 */
function contentSecurityPolicy(indexHtml: string): string {
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(indexHtml)?.[1];
  if (map === undefined) throw new Error('src/ui/index.html: no import map');
  const hash = createHash('sha256').update(map).digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The page's files and the vendored libraries, keyed by their path under /ui/. */
export function loadUiFiles(): { files: ReadonlyMap<string, UiFile>; csp: string } {
  const files = new Map<string, UiFile>();
  for (const [name, body] of pageFiles(UI_DIR)) files.set(name, uiFile(name, body));
  for (const [name, specifier] of Object.entries(VENDOR)) {
    files.set(name, uiFile(name, readFileSync(fileURLToPath(import.meta.resolve(specifier)))));
  }
  const index = files.get('index.html');
  if (index === undefined) throw new Error('src/ui/index.html is missing');
  return { files, csp: contentSecurityPolicy(index.body.toString('utf8')) };
}

/**
 * GET /ui (the page) and GET /ui/<file>. No key is needed (auth.ts lets /ui through): the
 * files hold no data, and the page asks for a key when the API answers 401. Every answer is
 * revalidated (`no-cache` with an ETag): after an upgrade the browser gets the new files at
 * once, and an unchanged file costs a 304.
 */
export function registerUiRoutes(app: FastifyInstance): void {
  const { files, csp } = loadUiFiles();
  const send = (file: UiFile, request: FastifyRequest, reply: FastifyReply) => {
    void reply
      .header('content-security-policy', csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', file.etag);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  // Not in the OpenAPI document: a page, not an API, as /docs is not.
  const options = { schema: { hide: true } };
  const index = files.get('index.html')!;
  app.get(UI_PREFIX, options, (request, reply) => send(index, request, reply));
  app.get<{ Params: { '*': string } }>(`${UI_PREFIX}/*`, options, (request, reply) => {
    // `/ui/` is the page too: a typed URL often ends in a slash.
    const name = request.params['*'];
    const file = name === '' ? index : files.get(name);
    return file === undefined ? reply.callNotFound() : send(file, request, reply);
  });
}
