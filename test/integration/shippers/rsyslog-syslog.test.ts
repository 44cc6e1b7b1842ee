// rsyslog → the syslog input: Debian's rsyslogd, on its own configuration, receives with imtcp what
// util-linux's logger sends and forwards it with the README's omfwd snippet (RFC 5424, octet
// counting) to SYSLOG_PORT of a standalone service.
import assert from 'node:assert/strict';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { eventually, startTestService, type TestService } from '../../helpers/service.ts';
import { fill, freeTcpUdpPort, requireBinary, run, snippet, startRsyslog, type Rsyslog } from './helpers.ts';

const ORG = 'rsyslog-org';

interface Row {
  message: string;
  level: string;
  service: string;
  host: string;
  metadata: Record<string, string>;
}

describe('rsyslog forwarding to the syslog input (the README snippet)', { timeout: 60_000 }, () => {
  let svc: TestService;
  let rsyslog: Rsyslog | undefined;
  let syslogPort: number;
  before(async () => {
    syslogPort = await freeTcpUdpPort();
    svc = await startTestService({
      SYSLOG_PORT: String(syslogPort),
      SYSLOG_HOST: '127.0.0.1',
      SYSLOG_ORG: ORG,
    });
  });
  after(async () => {
    await rsyslog?.stop();
    await svc.destroy();
  });

  async function stored(q: string, n: number): Promise<Row[]> {
    return eventually(
      async () => {
        await svc.flush();
        const query = new URLSearchParams({ org: ORG, q, limit: '100' });
        const res = await fetch(`${svc.url}/logs?${query.toString()}`);
        const rows = ((await res.json()) as { logs: Row[] }).logs;
        return rows.length >= n ? rows : undefined;
      },
      `${n} stored row(s) with ${q}${rsyslog === undefined ? '' : `; rsyslogd said:\n${rsyslog.output()}`}`,
      20_000,
    );
  }

  it('stores what rsyslog forwards with omfwd: message, level, service (APP-NAME), host, facility, structured data', async () => {
    const logger = requireBinary('/usr/bin/logger', 'bsdutils');
    const forward = fill(snippet('rsyslog-forward.conf', 'README.md'), [
      ['target="logs.internal"', 'target="127.0.0.1"'],
      ['port="5514"', `port="${syslogPort}"`],
    ]);
    const inputPort = await freeTcpUdpPort();
    rsyslog = await startRsyslog(
      (dir) =>
        [
          `global(workDirectory="${dir}")`,
          'module(load="imtcp")',
          `input(type="imtcp" address="127.0.0.1" port="${inputPort}")`,
          forward,
        ].join('\n'),
      inputPort,
    );

    const to = ['--tcp', '-n', '127.0.0.1', '-P', String(inputPort)];
    await run(logger, [...to, '-t', 'billing', '-p', 'local3.err', 'Invoice 42 failed to render']);
    await run(logger, [
      ...to,
      '--rfc5424',
      '--octet-count',
      '--sd-id',
      'order@32473',
      '--sd-param',
      'id="7"',
      '-t',
      'shop',
      '-p',
      'user.warning',
      'Order 7 is late',
    ]);

    const [invoice] = await stored('Invoice', 1);
    assert.ok(invoice !== undefined);
    assert.equal(invoice.message, 'Invoice 42 failed to render');
    assert.equal(invoice.level, 'ERROR');
    assert.equal(invoice.service, 'billing');
    assert.equal(invoice.host, os.hostname());
    assert.equal(invoice.metadata['facility'], 'local3');

    const [order] = await stored('Order', 1);
    assert.ok(order !== undefined);
    assert.equal(order.message, 'Order 7 is late');
    assert.equal(order.level, 'WARNING');
    assert.equal(order.service, 'shop');
    assert.equal(order.host, os.hostname());
    assert.equal(order.metadata['facility'], 'user');
    assert.equal(order.metadata['sd.order@32473.id'], '7');
  });
});
