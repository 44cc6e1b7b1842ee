// The ceiling for HTTP ingestion: a bare Fastify handler that reads and parses the same
// bodies as the service and does nothing with them. Run by bench/ingest.ts as a child.
import Fastify from 'fastify';

const app = Fastify({ bodyLimit: 10 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
  try {
    done(null, JSON.parse(body as string));
  } catch (err) {
    done(err as Error, undefined);
  }
});
app.post('/logs/ingest', (request) => {
  const body = request.body as { logs?: unknown[] };
  const n = Array.isArray(body.logs) ? body.logs.length : 1;
  return { accepted: n, matched: n, failed: 0 };
});
app.get('/health', () => ({ status: 'healthy' }));
await app.listen({ port: Number(process.env['PORT'] ?? 3099), host: '127.0.0.1' });
