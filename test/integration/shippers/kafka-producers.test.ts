// Direct producers to logs.raw with real clients: Python's confluent-kafka and Debian's kcat (the docs/kafka.md snippets, and a
// line that is no log, which goes to the dead-letter topic; read back with kcat too) and rsyslog's
// omkafka (the docs/kafka.md JSON template). One Kafka-mode process runs every role on the test
// broker, on topics of its own.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../../../src/transport/kafka/client/index.ts';
import { kafkaBrokers } from '../kafka/helpers.ts';
import { Pipeline, storedLogs, type RoleProcess } from '../kafka/pipeline.ts';
import {
  fill,
  freeTcpUdpPort,
  requireBinary,
  requireCommand,
  requireRsyslogModule,
  run,
  snippet,
  startRsyslog,
  type Rsyslog,
} from './helpers.ts';

interface Row {
  message: string;
  level: string;
  service: string;
  host: string;
  timestamp: string;
  metadata: Record<string, string>;
}

/** The stored logs of `org` once every one of `messages` is among them (others may be there too). */
async function storedWith(
  url: string,
  org: string,
  messages: readonly string[],
  ms = 30_000,
): Promise<Row[]> {
  const deadline = Date.now() + ms;
  let rows: Row[] = [];
  while (Date.now() < deadline) {
    rows = (await storedLogs(url, org)) as unknown as Row[];
    if (messages.every((m) => rows.some((r) => r.message === m))) return rows;
    await sleep(300);
  }
  throw new Error(`timed out waiting for ${messages.join(', ')} in ${org}: ${JSON.stringify(rows)}`);
}

describe('direct producers to logs.raw: kcat and rsyslog omkafka', { timeout: 120_000 }, () => {
  const p = new Pipeline();
  let all: RoleProcess;
  let kcat: string;
  let rsyslog: Rsyslog | undefined;
  const brokers = kafkaBrokers();
  before(async () => {
    kcat = requireCommand('kcat', 'kcat');
    all = await p.start('all');
  });
  after(async () => {
    await rsyslog?.stop();
    await p.close();
    const kafka = createKafka({ brokers, clientId: 'shippers-test-cleanup' });
    await kafka.admin.deleteTopics(p.topics.all).catch(() => undefined);
    await kafka.close();
  });

  it('kcat: the docs one-liner (JSON log, the org as key) is stored', async () => {
    const script = fill(snippet('kcat-produce.sh', 'docs/kafka.md'), [
      ["'acme:", "'kcat-org:"],
      ['localhost:9094', brokers.join(',')],
      ['logs.raw', p.topics.raw],
    ]);
    await run('bash', ['-euo', 'pipefail', '-c', script]);
    const [row] = await storedWith(all.url, 'kcat-org', ['Disk 3 at 91%']);
    assert.ok(row !== undefined);
    assert.deepEqual([row.message, row.level, row.service], ['Disk 3 at 91%', 'WARN', 'storage']);
  });

  it('Python (confluent-kafka): the docs snippet (a JSON log, the org as key) is stored', async () => {
    const python = requireCommand('python3', 'python3');
    await run(python, ['-c', 'import confluent_kafka']).catch(() => {
      throw new Error('the Python client is missing: pip install confluent-kafka (.ci/run installs it)');
    });
    const script = fill(snippet('python-produce.py', 'docs/kafka.md'), [
      ['localhost:9094', brokers.join(',')],
      ['"logs.raw"', JSON.stringify(p.topics.raw)],
      ['key="acme"', 'key="python-org"'],
    ]);
    await run(python, ['-c', script]);
    const [row] = await storedWith(all.url, 'python-org', ['Payment 42 declined']);
    assert.ok(row !== undefined);
    assert.deepEqual([row.message, row.level], ['Payment 42 declined', 'ERROR']);
  });

  it('kcat: a line that is no log goes to the dead-letter topic with the reason, the next one is stored', async () => {
    await run(kcat, ['-P', '-b', brokers.join(','), '-t', p.topics.raw, '-K:'], {
      input: 'kcat-bad:not a log at all\nkcat-bad:{"message":"Fan 2 spins again"}\n',
    });
    await storedWith(all.url, 'kcat-bad', ['Fan 2 spins again']);
    // Same key, same partition: the dead letter was written before the next record was handled.
    const out = await run(kcat, [
      '-C',
      '-b',
      brokers.join(','),
      '-t',
      p.topics.deadLetter,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-f',
      '%k|%s|%h\n',
    ]);
    const letters = out.split('\n').filter((l) => l.startsWith('kcat-bad|'));
    assert.equal(letters.length, 1, out);
    assert.match(letters[0] ?? '', /^kcat-bad\|not a log at all\|/);
    assert.match(
      letters[0] ?? '',
      /dead-letter-reason=[^,]*not an Avro single-object record, a JSON object or OTLP protobuf/,
    );
    assert.match(letters[0] ?? '', new RegExp(`dead-letter-topic=${p.topics.raw.replace(/\./g, '\\.')}`));
  });

  it('rsyslog omkafka: the docs template makes JSON logs of what rsyslog receives', async () => {
    requireRsyslogModule('omkafka', 'rsyslog-kafka');
    const logger = requireBinary('/usr/bin/logger', 'bsdutils');
    const omkafka = fill(snippet('rsyslog-omkafka.conf', 'docs/kafka.md'), [
      ['broker=["localhost:9094"]', `broker=[${brokers.map((b) => `"${b}"`).join(', ')}]`],
      ['topic="logs.raw"', `topic="${p.topics.raw}"`],
      ['key="acme"', 'key="rsyslog-kafka"'],
    ]);
    const inputPort = await freeTcpUdpPort();
    rsyslog = await startRsyslog(
      (dir) =>
        [
          `global(workDirectory="${dir}")`,
          'module(load="imtcp")',
          `input(type="imtcp" address="127.0.0.1" port="${inputPort}")`,
          omkafka,
        ].join('\n'),
      inputPort,
    );
    const to = ['--tcp', '-n', '127.0.0.1', '-P', String(inputPort)];
    const before = Date.now();
    await run(logger, [...to, '-t', 'billing', '-p', 'local3.err', 'Invoice 42 failed to render']);
    await run(logger, [...to, '--rfc5424', '-t', 'shop', '-p', 'user.warning', 'Order 7 is "late"']);
    const rows = await storedWith(all.url, 'rsyslog-kafka', [
      'Invoice 42 failed to render',
      'Order 7 is "late"',
    ]).catch((err: unknown) => {
      throw new Error(`${String(err)}\nrsyslogd said:\n${rsyslog?.output() ?? ''}`);
    });
    const invoice = rows.find((r) => r.message === 'Invoice 42 failed to render');
    const order = rows.find((r) => r.message === 'Order 7 is "late"');
    assert.ok(invoice !== undefined && order !== undefined);
    // rsyslog's severity names, upper-cased: ERR and WARNING (the syslog input says ERROR, WARNING).
    assert.deepEqual([invoice.level, invoice.service, invoice.host], ['ERR', 'billing', os.hostname()]);
    assert.deepEqual([order.level, order.service, order.host], ['WARNING', 'shop', os.hostname()]);
    // timereported travels as RFC 3339: the stored time is the sender's, within this test's run.
    for (const row of [invoice, order]) {
      const t = Date.parse(row.timestamp);
      assert.ok(t >= before - 1000 && t <= Date.now(), `${row.timestamp} is not this run's`);
    }
  });
});
