import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';

interface Event {
  id: string;
  type: string;
  org: string;
  template_id: number;
  template: string;
}

describe(
  'TEMPLATE_WEBHOOK_URL: an event per new template, retried, never holding up ingestion',
  { timeout: 60_000 },
  () => {
    let t: TestService;
    let receiver: http.Server;
    const received: Event[] = [];
    let calls = 0;
    before(async () => {
      // The receiver fails its first two calls: the event must come again.
      receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          calls++;
          if (calls <= 2) {
            res.writeHead(503).end();
            return;
          }
          received.push(JSON.parse(body) as Event);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const { port } = receiver.address() as AddressInfo;
      t = await startTestService({ TEMPLATE_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` });
    });
    after(async () => {
      await t.destroy();
      await new Promise((resolve) => receiver.close(resolve));
    });

    it('posts each new template once it is made, after retrying a receiver that failed', async () => {
      const logs = Array.from({ length: 20 }, (_, i) => ({
        org: 'hooked',
        message: i % 2 === 0 ? `Disk ${i} full` : `User u${i} logged in from 10.0.0.${i}`,
      }));
      const res = await fetch(`${t.url}/logs/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ logs }),
      });
      assert.equal(res.status, 200);
      await t.flush();
      const templates = (
        (await (await fetch(`${t.url}/templates?org=hooked`)).json()) as {
          templates: Array<{ id: number; template: string }>;
        }
      ).templates;
      assert.equal(templates.length, 2);
      await eventually(
        () => Promise.resolve(received.length >= templates.length ? true : undefined),
        'the events',
        20_000,
      );
      assert.ok(
        calls >= received.length + 2,
        `${calls} calls for ${received.length} events: the failed ones were retried`,
      );
      assert.deepEqual(
        received.map((e) => [e.type, e.org, e.template_id, e.template, e.id]).sort(),
        templates.map((x) => ['template.new', 'hooked', x.id, x.template, `hooked:${x.id}:new`]).sort(),
      );
    });
  },
);
