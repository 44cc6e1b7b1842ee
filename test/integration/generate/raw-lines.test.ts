// Whole lines, header included, on the real service (issue 18, point 4): what a shipper sends
// when nobody cut the header off. Lines of the usual layouts, made here: an Apache-style error
// log (a written-out date with its weekday), log4j with thread names, a node id in a header,
// and a header glued to its message by `|`. Each event must get one template, whatever the
// day, thread, node or pid, and no line may be left without one.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

const ORG = 'raw';
const DAYS = ['Sun', 'Mon', 'Tue'];
const THREADS = ['main', 'IPC Server handler 5 on 9000', 'RMCommunicator Allocator'];
const NODES = ['R02-M1-N0-C:J12-U11', 'R63-M0-NE-C:J05-U01', 'R71-M1-N4-I:J18-U01'];

/** Event name -> its lines: three of each, one per day, thread or node. */
function events(): Map<string, string[]> {
  const made = new Map<string, string[]>();
  made.set(
    'apache-child',
    DAYS.map(
      (day, k) =>
        `[${day} Dec 0${k + 4} 04:47:4${k} 2005] [notice] jk2_init() Found child ${6725 + k} in scoreboard slot ${10 + k}`,
    ),
  );
  made.set(
    'apache-error',
    DAYS.map(
      (day, k) =>
        `[${day} Dec 0${k + 4} 05:15:0${k} 2005] [error] mod_jk child workerEnv in error state ${6 + k}`,
    ),
  );
  made.set(
    'log4j-address',
    THREADS.map(
      (thread, k) =>
        `2015-10-18 18:0${k}:47,978 WARN [${thread}] org.example.ipc.Client: Address change detected. Old: host-${k}/10.0.0.${k}:8030 New: host-${k}:8030`,
    ),
  );
  made.set(
    'log4j-progress',
    THREADS.map(
      (thread, k) =>
        `2015-10-18 18:1${k}:02,101 INFO [${thread}] org.example.TaskListener: Progress of TaskAttempt attempt_1445_${k} is : 0.${k}3`,
    ),
  );
  made.set(
    'node-parity',
    NODES.map(
      (node, k) =>
        `- 111783857${k} 2005.06.0${k + 3} ${node} 2005-06-0${k + 3}-15.42.50.67587${k} ${node} RAS KERNEL INFO instruction cache parity error corrected`,
    ),
  );
  made.set(
    'glued',
    [3579, 3580, 3612].map(
      (steps, k) => `20171223-22:15:2${k}:606|Step_LSC|3000231${k}|onStandStepChanged ${steps}`,
    ),
  );
  return made;
}

let t: TestService;
before(async () => {
  t = await startTestService({ CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600' });
});
after(async () => {
  await t.destroy();
});

it('gives each event of whole lines one template, whatever their day, thread, node or pid', async () => {
  const made = events();
  const kindOf = new Map<string, string>();
  for (const [kind, lines] of made) for (const line of lines) kindOf.set(line, kind);
  const lines = [...kindOf.keys()];
  const res = await t.service.app.inject({
    method: 'POST',
    url: '/logs/ingest',
    payload: { logs: lines.map((message) => ({ org: ORG, message })) },
  });
  assert.equal(res.statusCode, 200, res.body);
  await t.flush();

  const stored = (await t.service.app.inject({ url: `/logs?org=${ORG}&limit=100` })).json<{
    logs: Array<{ message: string; template_id: number }>;
  }>().logs;
  assert.equal(stored.length, lines.length);
  assert.deepEqual(
    stored.filter((log) => log.template_id === 0).map((log) => log.message),
    [],
    'no line without a template',
  );
  const idsByKind = new Map<string, Set<number>>();
  for (const log of stored) {
    const kind = kindOf.get(log.message) ?? '';
    idsByKind.set(kind, (idsByKind.get(kind) ?? new Set()).add(log.template_id));
  }
  for (const kind of made.keys()) assert.equal(idsByKind.get(kind)?.size, 1, `${kind}: one template`);
  const templates = (await t.service.app.inject({ url: `/templates?org=${ORG}` })).json<{
    templates: Array<{ template: string }>;
  }>().templates;
  assert.equal(templates.length, made.size, templates.map((x) => x.template).join('\n'));
  // The weekday went into the date's variable, not into the template.
  assert.ok(templates.every((x) => !/\b(?:Sun|Mon|Tue)\b/.test(x.template)));
});
