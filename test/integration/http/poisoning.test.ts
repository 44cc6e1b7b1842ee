// Template poisoning on the real service: one short line must not make a template that takes
// every later line of another shape (issue 15, point 2). Each template's variables only take
// texts of the shape they were learned from (src/match/shapes.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

let t: TestService;

before(async () => {
  t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
});
after(async () => {
  await t.destroy();
});

interface StoredLog {
  message: string;
  template_id: number;
  template: string | null;
}

/** Posts the lines; resolves with how many matched a template at once. */
async function post(org: string, messages: readonly string[]): Promise<number> {
  const res = await t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: JSON.stringify({ logs: messages.map((message) => ({ org, message })) }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ matched: number }>().matched;
}

async function stored(org: string): Promise<StoredLog[]> {
  await t.flush();
  const res = await t.service.app.inject({ url: `/logs?org=${org}&limit=10000` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ logs: StoredLog[] }>().logs;
}

async function templateCount(org: string): Promise<number> {
  const res = await t.service.app.inject({ url: `/templates?org=${org}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ templates: unknown[] }>().templates.length;
}

/** Distinct ERROR lines of many shapes: words, paths, numbers, of 1 to 7 tokens after ERROR. */
function errorLines(count: number): string[] {
  const words = [
    'disk',
    'full',
    'timeout',
    'connection',
    'refused',
    'user',
    'denied',
    'cache',
    'miss',
    'retry',
  ];
  const lines = new Set<string>();
  let seed = 7;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  while (lines.size < count) {
    const length = 1 + (next() % 7);
    const tokens: string[] = [];
    for (let k = 0; k < length; k++) {
      const pick = next() % 12;
      tokens.push(
        pick < 10 ? (words[pick] ?? 'x') : pick === 10 ? `/var/${words[next() % 10]}` : String(next() % 1000),
      );
    }
    lines.add(`ERROR ${tokens.join(' ')}`);
  }
  return [...lines].filter((line) => !/^ERROR \d+$/.test(line));
}

describe('template poisoning', () => {
  it('"ERROR 1" then many ERROR lines: its template takes only ERROR and a number, as a fresh org would', async () => {
    await post('poisoned', ['ERROR 1']);
    await stored('poisoned');
    const lines = errorLines(400);
    await post('poisoned', lines);
    await post('fresh', lines);
    const logs = await stored('poisoned');
    const first = logs.find((log) => log.message === 'ERROR 1');
    assert.ok(first !== undefined && first.template_id !== 0, 'the poison line has a template');
    const underIt = logs.filter((log) => log.template_id === first.template_id).map((log) => log.message);
    for (const message of underIt)
      assert.match(message, /^ERROR [\d ]+$/, `${message} is under ${first.template}`);
    // The org is left with about as many templates as one that never saw the short line.
    const poisoned = await templateCount('poisoned');
    const fresh = await templateCount('fresh');
    assert.ok(poisoned >= fresh, `${poisoned} templates after the poison line, ${fresh} without it`);
    assert.ok(poisoned <= fresh + 2, `${poisoned} templates after the poison line, ${fresh} without it`);
  });

  it('"7 failed" does not take a bare "failed" or lines of other words ending in failed', async () => {
    await post('failed', ['7 failed']);
    await stored('failed');
    await post('failed', ['8 failed', 'failed', 'disk write failed', 'Authentication failed']);
    const logs = await stored('failed');
    const idOf = (message: string): number => logs.find((log) => log.message === message)?.template_id ?? -1;
    assert.equal(idOf('8 failed'), idOf('7 failed'), 'a line of its shape joins it');
    for (const other of ['failed', 'disk write failed', 'Authentication failed']) {
      assert.notEqual(idOf(other), idOf('7 failed'), `${other} has a template of its own shape`);
    }
  });

  it('a known template widened over most of a batch is counted in /stats (what poisoning looks like)', async () => {
    await post('wide', ['job 1 done']);
    await stored('wide');
    // The miner puts these in the cluster of `job <*> done`; ids are not numbers, so the
    // template is widened to take them, over the whole batch.
    await post(
      'wide',
      Array.from({ length: 40 }, (_, k) => `job a${k}x done`),
    );
    const logs = await stored('wide');
    assert.equal(new Set(logs.map((log) => log.template_id)).size, 1, 'one template for all the job lines');
    const stats = (await t.service.app.inject({ url: '/stats' })).json<{
      generation: { templates_widened: number; broad_widenings: number };
    }>();
    assert.ok(stats.generation.templates_widened >= 1);
    assert.ok(stats.generation.broad_widenings >= 1);
    // Every matcher took the widening: lines of the new shape now match at once.
    assert.equal(await post('wide', ['job b1x done', 'job b2x done']), 2);
  });

  it('the learned shapes are stored: after a restart the template still takes only its own shape', async () => {
    const before = await stored('failed');
    const seven = before.find((log) => log.message === '7 failed')?.template_id;
    await t.stop();
    t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' }, t.dataDir);
    await post('failed', ['9 failed', 'Disk failed']);
    const logs = await stored('failed');
    const idOf = (message: string): number | undefined =>
      logs.find((log) => log.message === message)?.template_id;
    assert.equal(idOf('9 failed'), seven);
    assert.notEqual(idOf('Disk failed'), seven);
  });
});
