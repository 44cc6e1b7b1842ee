import type { FastifyInstance } from 'fastify';
import { UI_PREFIX } from './paths.ts';

/**
 * GET / from a browser leads to the page (302 to /ui, its query kept: `/?org=acme` opens that
 * org). The path itself stays the Elasticsearch handshake (protocols/elasticsearch) for
 * everything else: Beats, Vector and the Elastic clients ask for JSON, a browser asks for HTML
 * (`Accept: text/html,...`), so only that is redirected. A hook, not a route, since the route
 * is the handshake's; installed before the API-key check, because the page asks for the key
 * itself and a redirect shows nothing.
 */
export function redirectBrowsersToPage(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const url = request.url;
    const home = url === '/' || url.startsWith('/?');
    if (!home || request.method !== 'GET' || !(request.headers.accept ?? '').includes('text/html')) {
      done();
      return;
    }
    void reply.redirect(`${UI_PREFIX}${url.slice(1)}`, 302);
  });
}
