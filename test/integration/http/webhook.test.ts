import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, postLogs, startTestService, type TestService } from '../../helpers/service.ts';

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
      const res = await postLogs(t.url, logs);
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

describe(
  'TEMPLATE_RATE_JUMP: an event when a template’s rate jumps within a window',
  { timeout: 60_000 },
  () => {
    let t: TestService;
    let receiver: http.Server;
    const received: Array<
      Event & { count: number; baseline_count: number; rate_change: number; to: string }
    > = [];
    const W = 10_000;
    before(async () => {
      receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          received.push(JSON.parse(body) as (typeof received)[number]);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const { port } = receiver.address() as AddressInfo;
      t = await startTestService({
        TEMPLATE_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
        TEMPLATE_RATE_WINDOW_SECS: String(W / 1000),
        TEMPLATE_RATE_BASELINE_WINDOWS: '3',
        TEMPLATE_RATE_JUMP: '5',
      });
    });
    after(async () => {
      await t.destroy();
      await new Promise((resolve) => receiver.close(resolve));
    });

    it('sends the jump of one template, not the steady or the small ones', async () => {
      // The window checked next ends at `end`; leave time to send and store before it is checked.
      let end = Math.ceil(Date.now() / W) * W;
      if (end - Date.now() < 4000) end += W;
      const inWindow = (i: number, n: number) => end - W + Math.floor((i * W) / n);
      const inBaseline = (i: number, n: number) => end - 4 * W + Math.floor((i * 3 * W) / n);
      const logs = [
        // 2 a window before, 40 in the window: a jump of 20x.
        ...Array.from({ length: 6 }, (_, i) => ({
          timestamp: inBaseline(i, 6),
          message: `Queue q${i} depth ${i} over limit`,
        })),
        ...Array.from({ length: 40 }, (_, i) => ({
          timestamp: inWindow(i, 40),
          message: `Queue q${i} depth ${i} over limit`,
        })),
        // Steady: 10 a window before and in it.
        ...Array.from({ length: 30 }, (_, i) => ({
          timestamp: inBaseline(i, 30),
          message: `User u${i} logged in`,
        })),
        ...Array.from({ length: 10 }, (_, i) => ({
          timestamp: inWindow(i, 10),
          message: `User u${i} logged in`,
        })),
        // A jump, but of too few lines to mean anything.
        { timestamp: inBaseline(0, 1), message: 'Disk 1 full' },
        ...Array.from({ length: 8 }, (_, i) => ({ timestamp: inWindow(i, 8), message: `Disk ${i} full` })),
      ].map((log) => ({ ...log, org: 'rates' }));
      const res = await postLogs(t.url, logs);
      assert.equal(res.status, 200);
      await t.flush();
      await eventually(
        () => Promise.resolve(received.some((e) => e.type === 'template.rate_jump') ? true : undefined),
        'the rate jump event',
        30_000,
      );
      const jumps = received.filter((e) => e.type === 'template.rate_jump');
      assert.deepEqual(
        jumps.map((e) => [e.org, e.template, e.count, e.baseline_count, e.rate_change, e.to]),
        [['rates', 'Queue <*> depth <*> over limit', 40, 6, 20, new Date(end).toISOString()]],
      );
      assert.equal(jumps[0]?.id, `rates:${jumps[0]?.template_id}:jump:${end}`);
    });
  },
);
