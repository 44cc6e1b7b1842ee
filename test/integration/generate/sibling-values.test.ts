// A word that takes many values is a variable, learned online on the real service (issue 18):
// lines of one event that differ in one lower-case word (a user name) and are too short for the
// similarity to join them get one template once the word has taken many values, each in few
// lines; the template published first keeps its id and is widened. A few words that each
// repeat (states) stay one template each.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

const ORG = 'siblings';

let t: TestService;
before(async () => {
  t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
});
after(async () => {
  await t.destroy();
});

async function post(messages: readonly string[]): Promise<void> {
  const res = await t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: { logs: messages.map((message) => ({ org: ORG, message })) },
  });
  assert.equal(res.statusCode, 200, res.body);
  await t.flush();
}

async function templates(): Promise<Array<{ id: number; template: string }>> {
  const res = await t.service.app.inject({ url: `/templates?org=${ORG}` });
  return res.json<{ templates: Array<{ id: number; template: string }> }>().templates;
}

async function stored(): Promise<Array<{ message: string; template_id: number }>> {
  const res = await t.service.app.inject({ url: `/logs?org=${ORG}&limit=100` });
  return res.json<{ logs: Array<{ message: string; template_id: number }> }>().logs;
}

const login = (user: string, n: number): string => `auth ok: ${user} 10.0.0.${n} port ${2200 + n}`;

it('widens the published template of a user name once the name has taken many values', async () => {
  await post([login('root', 1), login('root', 2), login('root', 3)]);
  const [first, ...others] = await templates();
  assert.deepEqual(others, []);
  assert.equal(first?.template, 'auth ok: root <*> port <*>');

  await post(['alice', 'bob', 'carol', 'dave'].map((user, k) => login(user, 10 + k)));
  await post([login('erin', 20)]);
  assert.deepEqual(
    (await templates()).map((x) => [x.id, x.template]),
    [[first?.id, 'auth ok: <*> <*> port <*>']],
  );
  const logs = await stored();
  assert.equal(logs.length, 8);
  assert.deepEqual(new Set(logs.map((log) => log.template_id)), new Set([first?.id]));
});

it('keeps a template per state when a few words each repeat', async () => {
  const states = ['started', 'paused', 'stopped', 'resumed'];
  // Each state twice or more before the next comes, as a machine's states are logged.
  for (const state of states) await post([0, 1, 2].map((k) => `vm 10.0.1.${k} now ${state} port ${k}`));
  const vm = (await templates()).filter((x) => x.template.startsWith('vm '));
  assert.deepEqual(vm.map((x) => x.template).sort(), states.map((s) => `vm <*> now ${s} port <*>`).sort());
});
