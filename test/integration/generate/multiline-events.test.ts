// Multi-line events on the real service (issue 18, point 3): Java stack traces and Python
// tracebacks captured from real programs (test/fixtures/multiline: the programs and
// ./capture.sh that reruns them), multi-line JSON and SQL, lines of 10,000+ characters and a
// line of one token repeated. Each kind of event must get one template that keeps its
// structure lines (the exception types), whatever the depth of each trace.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startTestService, type TestService } from '../../helpers/service.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/multiline');
const ORG = 'traces';

/** The kinds of event, told apart the way a reader would, and a word each template must keep. */
const KINDS: ReadonlyArray<{ kind: string; test: RegExp; keeps: string }> = [
  { kind: 'config', test: /^java\.lang\.IllegalStateException/, keeps: 'FileNotFoundException:' },
  { kind: 'quantity', test: /^java\.lang\.NumberFormatException/, keeps: 'NumberFormatException:' },
  { kind: 'order', test: /^ERROR Order/, keeps: 'ArithmeticException:' },
  { kind: 'lookup', test: /^Traceback[^]*\nKeyError: 'user-/, keeps: 'KeyError:' },
  { kind: 'setting', test: /During handling of the above exception/, keeps: 'ValueError:' },
  { kind: 'connect', test: /direct cause of the following exception/, keeps: 'ConnectionError:' },
  { kind: 'payload', test: /^Order payload:\n\{/, keeps: 'payload:' },
  { kind: 'query', test: /^Slow query/, keeps: 'SELECT' },
  { kind: 'upload', test: /^Uploaded chunk /, keeps: 'chunk' },
  { kind: 'cache', test: /^Cache state /, keeps: 'Cache' },
  { kind: 'ping', test: /^ping ping/, keeps: 'ping' },
];

function fixture(name: string): string[] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { message: string }).message);
}

/** Lines of 10,000+ characters and lines of one token repeated (within the 1,000-token bound). */
function longLines(): string[] {
  const lines: string[] = [];
  for (let k = 0; k < 4; k++) {
    lines.push(`Uploaded chunk ${randomBytes(8_000).toString('base64')} for job ${k}`);
    const state = Object.fromEntries(Array.from({ length: 900 }, (_, j) => [`key${j}`, `v${j * (k + 1)}`]));
    lines.push(`Cache state ${JSON.stringify(state)}`);
    lines.push(Array.from({ length: 200 + k * 250 }, () => 'ping').join(' '));
  }
  return lines;
}

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
    payload: messages.map((message) => JSON.stringify({ org: ORG, message })).join('\n'),
    headers: { 'content-type': 'application/x-ndjson' },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json<{ accepted: number }>().accepted, messages.length);
}

it('gives each kind of multi-line or long event one template, however deep or long each is', async () => {
  const events = [...fixture('java-traces.ndjson'), ...fixture('python-traces.ndjson'), ...longLines()];
  assert.ok(events.some((e) => e.length >= 10_000));
  // In three requests, so that later, deeper traces meet templates learned from shallower ones.
  const third = Math.ceil(events.length / 3);
  for (let from = 0; from < events.length; from += third) {
    await post(events.slice(from, from + third));
    await t.flush();
  }

  const logs = (await t.service.app.inject({ url: `/logs?org=${ORG}&limit=1000` })).json<{
    logs: Array<{ message: string; template_id: number }>;
  }>().logs;
  assert.equal(logs.length, events.length);
  const templates = (await t.service.app.inject({ url: `/templates?org=${ORG}` })).json<{
    templates: Array<{ id: number; template: string }>;
  }>().templates;
  const textOf = new Map(templates.map((template) => [template.id, template.template]));

  const idsByKind = new Map<string, Set<number>>();
  for (const log of logs) {
    const kinds = KINDS.filter(({ test }) => test.test(log.message));
    assert.equal(kinds.length, 1, `one kind for ${log.message.slice(0, 80)}`);
    const kind = kinds[0]?.kind ?? '';
    idsByKind.set(kind, (idsByKind.get(kind) ?? new Set()).add(log.template_id));
  }
  for (const { kind, keeps } of KINDS) {
    const ids = [...(idsByKind.get(kind) ?? [])];
    assert.equal(ids.length, 1, `${kind}: one template, got ${ids.length}`);
    assert.notEqual(ids[0], 0, `${kind}: stored with a template`);
    const text = textOf.get(ids[0] ?? 0) ?? '';
    assert.ok(text.includes(keeps), `${kind}: ${text.slice(0, 200)} keeps ${keeps}`);
  }
  assert.equal(templates.length, KINDS.length, templates.map((x) => x.template.slice(0, 80)).join('\n'));
});
