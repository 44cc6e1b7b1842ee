import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { LogRecord, StoredLog } from '../../../src/model/log.ts';
import { createKafka } from '../../../src/transport/kafka/client/index.ts';
import { serdes } from '../../../src/transport/kafka/connect.ts';
import { DEAD_LETTER_HEADERS, toOutgoing } from '../../../src/transport/kafka/channel.ts';
import { freePort, spawnService, waitUntilUp } from '../../helpers/process.ts';
import { makeDataDir } from '../../helpers/service.ts';
import { kafkaBrokers, waitFor } from './helpers.ts';
import {
  logLine,
  Pipeline,
  postLogs,
  runReplay,
  stats,
  storedLogs,
  waitForStored,
  type StoredLogView,
} from './pipeline.ts';

/** The template with each <*> replaced by the next variable: what a user reconstructs. */
function rebuild(log: StoredLogView): string {
  let i = 0;
  return (log.template ?? '').replace(/<\*>/g, () => log.variables[i++] ?? '');
}

function seqs(logs: readonly StoredLogView[]): number[] {
  return logs.map((l) => Number(l.metadata['seq'])).sort((a, b) => a - b);
}

// A guard against a hang, not a speed check: the suite's eleven cases start some forty processes
// and took 229 s on a quiet machine and over 300 s (the old limit, hit in a CI run) at load 10.
describe('Kafka mode: roles as separate processes on the real broker', { timeout: 900_000 }, () => {
  const pipelines: Pipeline[] = [];
  const pipeline = () => {
    const p = new Pipeline();
    pipelines.push(p);
    return p;
  };
  after(async () => {
    for (const p of pipelines) await p.close();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'roles-test-cleanup' });
    await kafka.admin.deleteTopics(pipelines.flatMap((p) => p.topics.all)).catch(() => undefined);
    await kafka.close();
  });

  it('(a, d) logs posted to ingest are stored exactly once, with their templates and variables', async () => {
    const p = pipeline();
    const { writer, ingest } = await p.startAll();
    const sent = Array.from({ length: 400 }, (_, i) => logLine('acme', i));
    for (let i = 0; i < sent.length; i += 100) {
      const res = await postLogs(ingest.url, sent.slice(i, i + 100));
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { accepted: 100, matched: 0, failed: 0 });
    }
    const stored = await waitForStored(writer.url, 'acme', sent.length);
    assert.deepEqual(
      seqs(stored),
      sent.map((_, i) => i),
      'each log once',
    );
    // The first lines of each kind arrived before any template existed (d): every log is
    // stored with a template all the same, and its variables re-create its message.
    for (const log of stored) {
      assert.notEqual(Number(log.template_id), 0, `stored without a template: ${log.message}`);
      assert.equal(rebuild(log), log.message);
    }
    const templates = (await (await fetch(`${writer.url}/templates?org=acme`)).json()) as {
      templates: Array<{ template: string }>;
    };
    assert.equal(templates.templates.length, 4, JSON.stringify(templates.templates));
    // Another org sees none of them.
    assert.deepEqual(await storedLogs(writer.url, 'other'), []);
  });

  it('ROLE=all runs every role in one process over Kafka, and stops cleanly on SIGTERM', async () => {
    const p = pipeline();
    const all = await p.start('all');
    const health = (await (await fetch(`${all.url}/health`)).json()) as { roles: string[] };
    assert.deepEqual(health.roles, ['ingest', 'matcher', 'generator', 'writer']);
    const sent = Array.from({ length: 100 }, (_, i) => logLine('together', i));
    assert.equal((await postLogs(all.url, sent)).status, 200);
    const stored = await waitForStored(all.url, 'together', 100);
    assert.deepEqual(
      seqs(stored),
      sent.map((_, i) => i),
    );
    assert.equal(await p.stop(all), 0, all.stderr());
  });

  it('(b) a matcher killed with SIGKILL mid-stream of 50,000 logs and restarted leaves each log stored once', async () => {
    const p = pipeline();
    const { writer, matcher, ingest } = await p.startAll();
    const total = 50_000;
    const batch = 1000;
    let restarted: Promise<unknown> | undefined;
    for (let from = 0; from < total; from += batch) {
      const logs = Array.from({ length: batch }, (_, i) => logLine('bulk', from + i, 4));
      const res = await postLogs(ingest.url, logs);
      assert.equal(res.status, 200, await res.clone().text());
      if (from === 20_000) {
        // Killed while logs.raw is being matched (it has started, and is behind the ingest);
        // started again with the same instance id.
        let handled = 0;
        for (let i = 0; i < 100 && handled === 0; i++) {
          handled = ((await stats(matcher.url)).kafka['matcher'] as { records: number }).records;
          if (handled === 0) await sleep(50);
        }
        assert.ok(handled > 0 && handled < total, `killed mid-stream (${handled} handled)`);
        matcher.child.kill('SIGKILL');
        await matcher.exited;
        restarted = p.start('matcher', { instanceId: matcher.instanceId });
      }
    }
    await restarted;
    const stored = await waitForStored(writer.url, 'bulk', total, 120_000);
    assert.equal(stored.length, total, 'count equals sent');
    const ids = seqs(stored);
    assert.equal(new Set(ids).size, total, 'no log appears twice');
    assert.equal(ids[0], 0);
    assert.equal(ids.at(-1), total - 1);
  });

  it('(c) a template made by the generator reaches two running matchers, and each then matches with it', async () => {
    const p = pipeline();
    const writer = await p.start('writer');
    await p.start('generator');
    const a = await p.start('matcher');
    const b = await p.start('matcher');
    const ingest = await p.start('ingest');
    const line = (i: number) => ({
      org: 'swap',
      message: `Disk usage reached ${i} percent on volume ${i % 3}`,
    });

    // Unmatched on arrival: the generator makes the template and stores these lines with it.
    assert.equal((await postLogs(ingest.url, [0, 1, 2, 3].map(line))).status, 200);
    await waitForStored(writer.url, 'swap', 4);
    const loaded = async (m: typeof a) => (await stats(m.url))['templates_loaded'] as number;
    await waitFor('both matchers to load the template', () => true);
    for (let i = 0; i < 100 && ((await loaded(a)) < 1 || (await loaded(b)) < 1); i++) await sleep(100);
    assert.equal(await loaded(a), 1);
    assert.equal(await loaded(b), 1);

    const matchedBy = async (m: typeof a) => ((await stats(m.url))['logs'] as { matched: number }).matched;
    assert.equal((await postLogs(ingest.url, [10, 11, 12].map(line))).status, 200);
    await waitForStored(writer.url, 'swap', 7);
    const [fromA, fromB] = [await matchedBy(a), await matchedBy(b)];
    assert.equal(fromA + fromB, 3, 'matched on arrival by the matcher that owns the org');
    // The owner leaves; the other matcher takes over the partition and matches with the
    // template it learned from the topic, without a restart.
    const [owner, other] = fromA === 3 ? [a, b] : [b, a];
    assert.equal(await p.stop(owner), 0);
    assert.equal((await postLogs(ingest.url, [20, 21].map(line))).status, 200);
    const stored = await waitForStored(writer.url, 'swap', 9);
    assert.equal(await matchedBy(other), 2);
    assert.equal(new Set(stored.map((l) => String(l.template_id))).size, 1, 'one template for all');
  });

  it('(e) replay of logs.raw re-matches history with a newer template, without duplicating rows', async () => {
    // One template per org: the second kind of line is stored without one.
    const p = pipeline();
    const writer = await p.start('writer');
    await p.start('generator', { env: { TEMPLATES_MAX_PER_ORG: '1' } });
    await p.start('matcher');
    const ingest = await p.start('ingest');
    const sent = Array.from({ length: 200 }, (_, i) => logLine('history', i, 2));
    assert.equal((await postLogs(ingest.url, sent)).status, 200);
    const before = await waitForStored(writer.url, 'history', 200);
    const untemplated = before.filter((l) => Number(l.template_id) === 0);
    assert.equal(untemplated.length, 100, 'one kind of line has no template');
    const kind = untemplated[0]?.message.startsWith('User') ? 'user' : 'timeout';
    const text = kind === 'user' ? 'User <*> logged in from <*>' : 'Connection timeout after <*>s to db-<*>';

    // A better template arrives (here an operator's, on the templates topic).
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'roles-test-replay' });
    const producer = kafka.producer();
    const template = {
      id: 777,
      org: 'history',
      text,
      source: 'builtin' as const,
      createdAt: 1,
      updatedAt: 1,
    };
    await producer.send([toOutgoing(serdes.template(), p.topics.templates, { kind: 'upsert', template })]);
    await producer.close();
    await kafka.close();

    // The embedded store has one owner: the writer steps aside while replay runs.
    assert.equal(await p.stop(writer), 0);
    for (let round = 1; round <= 2; round++) {
      const result = await runReplay(p, ['--json']);
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as { done: number; matched: number; rowsReplaced: number };
      assert.equal(summary.done, 200);
      assert.equal(summary.matched, 200, `round ${round}: every line has a template now`);
      assert.equal(summary.rowsReplaced, 200);
      assert.match(result.stderr, /100%/, 'the progress bar reached the end');
    }
    const again = await p.start('writer');
    const after = await storedLogs(again.url, 'history');
    assert.equal(after.length, 200, 'replayed twice, still each log once');
    assert.deepEqual(
      seqs(after),
      sent.map((_, i) => i),
    );
    assert.ok(after.every((l) => Number(l.template_id) !== 0));
    assert.equal(after.filter((l) => Number(l.template_id) === 777).length, 100);
    for (const log of after) assert.equal(rebuild(log), log.message);
  });

  it('(g) a corrupt record goes to the dead-letter topic with its reason, and its partition keeps flowing', async () => {
    const p = pipeline();
    const { writer, matcher, ingest } = await p.startAll();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'roles-test-corrupt' });
    try {
      const producer = kafka.producer();
      // Same key as the logs below: the same partition, ahead of them.
      await producer.send([{ topic: p.topics.raw, key: 'corrupt', value: Buffer.from('not avro at all') }]);
      await producer.close();
      const logs = Array.from({ length: 50 }, (_, i) => logLine('corrupt', i));
      assert.equal((await postLogs(ingest.url, logs)).status, 200);
      const stored = await waitForStored(writer.url, 'corrupt', 50);
      assert.equal(stored.length, 50);

      const dead: Array<{ value: string; reason: string; topic: string }> = [];
      const reader = await kafka.readFromBeginning(
        p.topics.deadLetter,
        (m) =>
          void dead.push({
            value: m.value?.toString() ?? '',
            reason: m.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? '',
            topic: m.headers[DEAD_LETTER_HEADERS.topic]?.toString() ?? '',
          }),
        { untilEnd: true },
      );
      await reader.done;
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.value, 'not avro at all');
      assert.equal(dead[0]?.topic, p.topics.raw);
      assert.match(dead[0]?.reason ?? '', /./);
      assert.equal((await stats(matcher.url)).kafka['matcher'] !== null, true);
      assert.equal(((await stats(matcher.url)).kafka['matcher'] as { deadLettered: number }).deadLettered, 1);
    } finally {
      await kafka.close();
    }
  });

  it('(i) a log produced straight to logs.raw, logs.unmatched or logs.matched is validated like an HTTP one: the invalid to the dead-letter topic, the rest normalised', async () => {
    const p = pipeline();
    const { writer } = await p.startAll();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'roles-test-direct' });
    try {
      const record = (org: string, message: string, level: string): LogRecord => ({
        timestamp: Date.now(),
        org,
        dashboard: '',
        service: 'direct',
        host: '',
        level,
        message,
        metadata: {},
      });
      const stored = (log: LogRecord): StoredLog => ({
        ...log,
        templateId: 0,
        variables: [],
        untemplatedReason: 'no_template_fit',
      });
      const producer = kafka.producer();
      await producer.send([
        toOutgoing(serdes.logRecord(), p.topics.raw, record('', 'an org nobody can read', 'INFO')),
        toOutgoing(serdes.logRecord(), p.topics.raw, record('direct a', 'an org with a space', 'INFO')),
        toOutgoing(serdes.logRecord(), p.topics.raw, record('direct', 'Disk usage at 91 percent', 'warn')),
        // Matchers write the next two topics, but a careless service may produce there too: an
        // empty org on logs.unmatched would have made the generator publish the key ":<id>".
        toOutgoing(serdes.logRecord(), p.topics.unmatched, record('', 'Fan 3 stopped', 'INFO')),
        toOutgoing(serdes.logRecord(), p.topics.unmatched, record('direct', 'Fan 4 stopped', 'error')),
        toOutgoing(serdes.storedLog(), p.topics.matched, stored(record(' direct', 'a padded org', 'INFO'))),
        toOutgoing(
          serdes.storedLog(),
          p.topics.matched,
          stored(record('direct', 'written as matched', 'debug')),
        ),
      ]);
      await producer.close();
      const logs = await waitForStored(writer.url, 'direct', 3);
      assert.deepEqual(logs.map((l) => [l.message, (l as unknown as { level: string }).level]).sort(), [
        ['Disk usage at 91 percent', 'WARN'],
        ['Fan 4 stopped', 'ERROR'],
        ['written as matched', 'DEBUG'],
      ]);

      const reasons: string[] = [];
      const reader = await kafka.readFromBeginning(
        p.topics.deadLetter,
        (m) => void reasons.push(m.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? ''),
        { untilEnd: true },
      );
      await reader.done;
      assert.equal(reasons.length, 4, reasons.join('\n'));
      assert.deepEqual(reasons.map((r) => /org: [A-Z_]+/.exec(r)?.[0]).sort(), [
        'org: EMPTY_FIELD',
        'org: EMPTY_FIELD',
        'org: INVALID_ORG',
        'org: INVALID_ORG',
      ]);
    } finally {
      await kafka.close();
    }
  });

  it('(j) standalone, then Kafka mode on the same data folder: the stored templates are published once and used, not learned again', async () => {
    // The standalone service learns templates for an org and stores them with its logs.
    const dataDir = await makeDataDir();
    const standalone = spawnService({ DATA_DIR: dataDir, INGEST_PORT: String(await freePort()) });
    await waitUntilUp(standalone.url, standalone.exited);
    const lines = (from: number) =>
      Array.from({ length: 30 }, (_, i) => ({
        org: 'moved',
        message:
          i % 2 === 0
            ? `Connection timeout after ${from + i}s`
            : `User u${from + i} logged in from 10.0.${i}.${from % 250}`,
      }));
    assert.equal((await postLogs(standalone.url, lines(0))).status, 200);
    type Listed = { templates: Array<{ id: number; template: string }> };
    const listed = async (url: string) =>
      ((await (await fetch(`${url}/templates?org=moved`)).json()) as Listed).templates
        .map((t) => [t.template, Number(t.id)] as const)
        .sort();
    for (let tries = 0; ; tries++) {
      const logs = await storedLogs(standalone.url, 'moved');
      if (logs.length === 30 && logs.every((l) => l.template !== null)) break;
      assert.ok(tries < 120, `standalone: ${logs.length} of 30 stored, not all with a template`);
      await sleep(500);
    }
    const before = await listed(standalone.url);
    assert.equal(before.length, 2, JSON.stringify(before));
    standalone.child.kill('SIGTERM');
    assert.equal(await standalone.exited, 0);

    // The Kafka roles on the same folder: the writer publishes them before it reports ready.
    const p = pipeline();
    p.dataDir = dataDir;
    const { writer } = await p.startAll();
    assert.equal((await postLogs(p.processes.at(-1)!.url, lines(100))).status, 200);
    const stored = await waitForStored(writer.url, 'moved', 60);
    const ids = new Map(before.map(([text, id]) => [text, id]));
    for (const log of stored.filter((l) => Number(l.message.match(/\d+/)?.[0]) >= 100)) {
      assert.equal(
        Number(log.template_id),
        ids.get(log.template ?? ''),
        `${log.message}: the standalone's template`,
      );
    }
    assert.deepEqual(await listed(writer.url), before, 'each template listed once, under its first id');

    // Published once: a writer started again adds nothing to the topic.
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'roles-test-handover' });
    try {
      const onTopic = async () => {
        let n = 0;
        const reader = await kafka.readFromBeginning(p.topics.templates, () => void n++, { untilEnd: true });
        await reader.done;
        return n;
      };
      assert.equal(await onTopic(), 2);
      await p.stop(writer);
      await p.start('writer');
      assert.equal(await onTopic(), 2);
    } finally {
      await kafka.close();
    }
  });

  it('(k) a direct producer may write a JSON log or OTLP (as the Collector does) to logs.raw; anything else is dead-lettered with the reason', async () => {
    const p = pipeline();
    const { writer } = await p.startAll();
    const kafka = createKafka({ brokers: kafkaBrokers(), clientId: 'roles-test-formats' });
    try {
      const exporter = new InMemoryLogRecordExporter();
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'cart', 'host.name': 'node-2' }),
        processors: [new SimpleLogRecordProcessor({ exporter })],
      });
      const otel = provider.getLogger('lib');
      otel.emit({ severityNumber: SeverityNumber.ERROR, body: 'Cart 12 lost', timestamp: Date.now() });
      otel.emit({ severityNumber: SeverityNumber.INFO, body: 'Cart 13 saved', timestamp: Date.now() });
      await provider.forceFlush();
      const otlp = Buffer.from(ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords())!);
      const producer = kafka.producer();
      await producer.send([
        {
          topic: p.topics.raw,
          key: 'formats',
          value: Buffer.from(JSON.stringify({ message: 'Fan 2 stopped', level: 'warn' })),
        },
        {
          topic: p.topics.raw,
          key: 'ignored',
          value: Buffer.from(JSON.stringify({ org: 'formats', message: 'Fan 3 stopped', service: 'hw' })),
          headers: { 'content-type': 'application/json' },
        },
        { topic: p.topics.raw, key: 'formats', value: otlp },
        { topic: p.topics.raw, key: 'formats', value: Buffer.from('a plain text line') },
        { topic: p.topics.raw, key: 'formats', value: Buffer.from(JSON.stringify({ message: '' })) },
      ]);
      await producer.close();
      const logs = await waitForStored(writer.url, 'formats', 4);
      assert.deepEqual(
        logs
          .map((l) => {
            const row = l as unknown as { level: string; service: string; host: string };
            return [l.message, row.level, row.service, row.host];
          })
          .sort(),
        [
          ['Cart 12 lost', 'ERROR', 'cart', 'node-2'],
          ['Cart 13 saved', 'INFO', 'cart', 'node-2'],
          ['Fan 2 stopped', 'WARN', '', ''],
          ['Fan 3 stopped', 'INFO', 'hw', ''],
        ],
      );

      const reasons: string[] = [];
      const reader = await kafka.readFromBeginning(
        p.topics.deadLetter,
        (m) => void reasons.push(m.headers[DEAD_LETTER_HEADERS.reason]?.toString() ?? ''),
        { untilEnd: true },
      );
      await reader.done;
      assert.equal(reasons.length, 2, reasons.join('\n'));
      assert.ok(
        reasons.some((r) => /not an Avro single-object record, a JSON object or OTLP protobuf/.test(r)),
        reasons.join('\n'),
      );
      assert.ok(
        reasons.some((r) => /message: EMPTY_FIELD/.test(r)),
        reasons.join('\n'),
      );
    } finally {
      await kafka.close();
    }
  });

  it('(h) the ingest role answers 429 to an org over its rate, and only what it accepted reaches storage', async () => {
    const p = pipeline();
    const writer = await p.start('writer');
    await p.start('generator');
    await p.start('matcher');
    // 100 logs of burst, refilling at 1 a second: the second request of an org is over.
    const ingest = await p.start('ingest', {
      env: {
        INGEST_RATE_LIMIT_LOGS_PER_SEC: '1',
        INGEST_RATE_LIMIT_BURST_LOGS: '100',
        INGEST_MAX_LOGS_PER_REQUEST: '100',
      },
    });
    const first = Array.from({ length: 100 }, (_, i) => logLine('metered', i));
    assert.equal((await postLogs(ingest.url, first)).status, 200);
    const over = await postLogs(
      ingest.url,
      Array.from({ length: 20 }, (_, i) => logLine('metered', 100 + i)),
    );
    assert.equal(over.status, 429, await over.clone().text());
    assert.ok(Number(over.headers.get('retry-after')) >= 1, `Retry-After ${over.headers.get('retry-after')}`);
    assert.equal(((await over.json()) as { code: string }).code, 'RATE_LIMITED');
    // The limit is per org: another org still gets in.
    assert.equal((await postLogs(ingest.url, [logLine('neighbour', 0)])).status, 200);

    const stored = await waitForStored(writer.url, 'metered', 100);
    assert.deepEqual(
      seqs(stored),
      first.map((_, i) => i),
      'the accepted request once, nothing of the refused one',
    );
    assert.equal((await waitForStored(writer.url, 'neighbour', 1)).length, 1);
    const quotas = (await stats(ingest.url))['quotas'] as {
      rate_limited_logs: number;
      by_org: Record<string, { rate_limited_logs: number }>;
    };
    assert.equal(quotas.rate_limited_logs, 20);
    assert.equal(quotas.by_org['metered']?.rate_limited_logs, 20);
  });

  it('(l) curation made through the writer reaches the matchers over the templates topic: a seeded template matches on arrival, a drop rule stubs its lines, a new matcher reads both', async () => {
    const p = pipeline();
    const writer = await p.start('writer');
    await p.start('generator');
    const matcher = await p.start('matcher');
    const ingest = await p.start('ingest');
    const curate = async (method: string, path: string, body: object) => {
      const res = await fetch(`${writer.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
      return (await res.json()) as { id: number };
    };
    const { id } = await curate('POST', '/templates?org=cur', { template: 'Order <*> shipped to <*>' });
    const loaded = async (url: string) => (await stats(url))['templates_loaded'] as number;
    for (let i = 0; i < 100 && (await loaded(matcher.url)) < 1; i++) await sleep(100);
    const line = (i: number) => ({ org: 'cur', message: `Order ${i} shipped to Lyon` });
    assert.equal((await postLogs(ingest.url, [1, 2].map(line))).status, 200);
    const stored = await waitForStored(writer.url, 'cur', 2);
    assert.deepEqual(
      stored.map((l) => String(l.template_id)),
      [String(id), String(id)],
    );
    assert.equal(
      ((await stats(matcher.url))['logs'] as { matched: number }).matched,
      2,
      'matched on arrival',
    );

    await curate('PATCH', `/templates/${id}?org=cur`, { rule: 'drop' });
    const rules = async (url: string) => (await stats(url))['templates_with_rules'] as number;
    for (let i = 0; i < 100 && (await rules(matcher.url)) < 1; i++) await sleep(100);
    assert.equal(await rules(matcher.url), 1);
    assert.equal((await postLogs(ingest.url, [3, 4, 5].map(line))).status, 200);
    // The three are counted (stubs), not readable as lines.
    const count = async () => {
      const res = await fetch(`${writer.url}/templates?org=cur&from=0&to=${Date.now() + 60_000}`);
      const body = (await res.json()) as { templates: Array<{ id: number; count: number }> };
      return body.templates.find((t) => t.id === id)?.count ?? 0;
    };
    for (let i = 0; i < 200 && (await count()) < 5; i++) await sleep(100);
    assert.equal(await count(), 5);
    assert.equal((await storedLogs(writer.url, 'cur')).length, 2);

    // A matcher started now learns the template and its rule from the topic.
    const late = await p.start('matcher');
    assert.equal(await loaded(late.url), 1);
    assert.equal(await rules(late.url), 1);
  });
});
