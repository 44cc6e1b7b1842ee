// Lines with more tokens than a template may have (MAX_TEMPLATE_TOKENS) on the real service
// (issue 15, point 4): stored at once without a template, never handed to the generator, whose
// mining of 150 such lines once held the event loop for 2 s.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { MAX_TEMPLATE_TOKENS } from '../../../src/model/template.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

let t: TestService;

before(async () => {
  t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
});
after(async () => {
  await t.destroy();
});

interface Stats {
  logs: { over_token_limit: number };
  generation: { batches: number };
}

async function stats(): Promise<Stats> {
  return (await t.service.app.inject({ url: '/stats' })).json<Stats>();
}

it('lines of 32,000 one-character tokens are stored without a template and never reach the generator', async () => {
  const before = await stats();
  // Each line distinct, 64,000 bytes: within INGEST_MAX_MESSAGE_BYTES.
  const long = Array.from({ length: 20 }, (_, k) => `${k} ${'a '.repeat(31_999)}`.trim());
  const res = await t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify({
      logs: [...long.map((message) => ({ org: 'long', message })), { org: 'long', message: 'took 12 ms' }],
    }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json<{ accepted: number; failed: number }>().accepted, 21);
  await t.flush();
  const logs = (await t.service.app.inject({ url: '/logs?org=long&limit=100' })).json<{
    logs: Array<{ message: string; template_id: number }>;
  }>().logs;
  assert.equal(logs.length, 21);
  const longStored = logs.filter((log) => log.message.length > 60_000);
  assert.equal(longStored.length, 20, 'every long line is stored, whole');
  assert.ok(longStored.every((log) => log.template_id === 0));
  assert.notEqual(
    logs.find((log) => log.message === 'took 12 ms')?.template_id,
    0,
    'the short line gets its template',
  );
  const after = await stats();
  assert.equal(after.logs.over_token_limit - before.logs.over_token_limit, 20);
  // One batch, for the short line only.
  assert.equal(after.generation.batches - before.generation.batches, 1);
});

it('a line of exactly the limit still gets a template', async () => {
  const words = Array.from({ length: MAX_TEMPLATE_TOKENS }, (_, k) => `w${k % 7}`).join(' ');
  const res = await t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify({ org: 'edge', message: words }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.statusCode, 200, res.body);
  await t.flush();
  const logs = (await t.service.app.inject({ url: '/logs?org=edge' })).json<{
    logs: Array<{ template_id: number }>;
  }>().logs;
  assert.equal(logs.length, 1);
  assert.notEqual(logs[0]?.template_id, 0);
});
