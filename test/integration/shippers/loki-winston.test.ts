// winston-loki → POST /loki/api/v1/push: the maintained Loki client for winston, as a user runs it,
// against a standalone service with API keys. By default it pushes snappy-compressed protobuf
// (labels only: winston's metadata does not travel); with `json: true`, JSON with the metadata as
// Loki structured metadata.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import winston from 'winston';
import LokiTransport from 'winston-loki';
import { createLogger } from '../../../docs/snippets/winston-loki.ts';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';
import { snippet } from './helpers.ts';

const KEY = 'winston-one-org-key-0123456789';
const TWO = 'winston-two-org-key-0123456789';

interface Row {
  message: string;
  level: string;
  service: string;
  host: string;
  metadata: Record<string, string>;
}

/** What the transport will send: the client silently falls back to JSON when snappy does not load. */
function contentType(transport: LokiTransport): string {
  return (transport as unknown as { batcher: { contentType: string } }).batcher.contentType;
}

describe('winston-loki pushing to /loki/api/v1/push', { timeout: 60_000 }, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({
      INGEST_API_KEYS: `${KEY}:winston:write+read;${TWO}:winston,beta:write+read`,
    });
  });
  after(() => svc.destroy());

  async function stored(org: string, q: string, n: number): Promise<Row[]> {
    return eventually(
      async () => {
        await svc.flush();
        const query = new URLSearchParams({ org, q, limit: '100' });
        const res = await fetch(`${svc.url}/logs?${query.toString()}`, {
          headers: { authorization: `Bearer ${TWO}` },
        });
        assert.equal(res.status, 200);
        const rows = ((await res.json()) as { logs: Row[] }).logs;
        return rows.length >= n ? rows : undefined;
      },
      `${n} stored row(s) of ${org} with ${q}`,
      20_000,
    );
  }

  it('the README snippet: snappy protobuf, the key as the Basic auth password; labels give service, host, level, metadata', async () => {
    snippet('winston-loki.ts', 'README.md');
    const errors: unknown[] = [];
    const logger = createLogger(svc.url, KEY);
    const transport = logger.transports[0] as LokiTransport;
    assert.equal(contentType(transport), 'application/x-protobuf');
    const consoleError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      logger.warn('Payment 42 declined');
      logger.error({ message: 'Payment 43 failed', labels: { host: 'web-1' } });
      await transport.close();
    } finally {
      console.error = consoleError;
    }
    assert.deepEqual(errors, []);
    const rows = await stored('winston', 'Payment', 2);
    assert.deepEqual(rows.map((r) => [r.message, r.level, r.service, r.host, r.metadata]).sort(), [
      ['Payment 42 declined', 'WARN', 'checkout', '', { env: 'prod' }],
      ['Payment 43 failed', 'ERROR', 'checkout', 'web-1', { env: 'prod' }],
    ]);
  });

  it('json: true sends winston metadata as structured metadata; headers carry a bearer key and X-Scope-OrgID', async () => {
    const transport = new LokiTransport({
      host: svc.url,
      json: true,
      headers: { authorization: `Bearer ${TWO}`, 'X-Scope-OrgID': 'beta' },
      labels: { service_name: 'mailer' },
      format: winston.format.printf(({ message }) => String(message)),
      gracefulShutdown: false,
    });
    assert.equal(contentType(transport), 'application/json');
    const logger = winston.createLogger({ level: 'debug', transports: [transport] });
    logger.info('Job 9 sent 3 emails', { attempt: 2, queue: 'emails' });
    logger.debug('Job 10 queued', { queue: 'emails' });
    await transport.close();
    const rows = await stored('beta', 'Job', 2);
    assert.deepEqual(rows.map((r) => [r.message, r.level, r.service, r.metadata]).sort(), [
      // winston-loki sends every winston field but the message as structured metadata, winston's
      // `level` too: the level label is the stored level, the structured one stays in metadata.
      ['Job 10 queued', 'DEBUG', 'mailer', { level: 'debug', queue: 'emails' }],
      ['Job 9 sent 3 emails', 'INFO', 'mailer', { attempt: '2', level: 'info', queue: 'emails' }],
    ]);
  });
});
