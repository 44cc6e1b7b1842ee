// A log sent without a timestamp or level takes them from its line's header, through
// POST /logs/ingest and the shippers' protocols, as GET /logs shows; an org listed in
// LINE_FIELDS_OFF_ORGS keeps the arrival time and INFO.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postLogs, startTestService, storedInOrder, type TestService } from '../../helpers/service.ts';

interface StoredLog {
  timestamp: string;
  level: string;
  message: string;
}

const HADOOP =
  '2015-10-18 18:01:47,978 WARN [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster';
const APACHE = '[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6';
const PLAIN = 'no ERROR found in 3 files';

/** The stored logs as [message, timestamp, level]; the arrival's time as 'arrival'. */
async function stored(t: TestService, org: string, sentAfter: number): Promise<string[][]> {
  const logs = await storedInOrder<StoredLog>(t, org);
  return logs
    .map((l) => [l.message, Date.parse(l.timestamp) >= sentAfter ? 'arrival' : l.timestamp, l.level])
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('timestamp and level read from the line', { timeout: 120_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({ LINE_FIELDS_OFF_ORGS: 'legacy' });
  });
  after(async () => t.destroy());

  it('POST /logs/ingest: from the header when not sent, what the client sent when sent', async () => {
    const sentAfter = Date.now();
    const res = await postLogs(t.url, [
      { org: 'lines', message: HADOOP },
      { org: 'lines', message: APACHE, level: 'notice' },
      { org: 'lines', message: `${HADOOP} again`, timestamp: '2026-01-02T03:04:05Z' },
      { org: 'lines', message: PLAIN },
    ]);
    assert.equal(res.status, 200);
    assert.deepEqual(await stored(t, 'lines', sentAfter), [
      [APACHE, '2005-12-04T04:47:44.000Z', 'NOTICE'],
      [HADOOP, '2015-10-18T18:01:47.978Z', 'WARN'],
      [`${HADOOP} again`, '2026-01-02T03:04:05.000Z', 'WARN'],
      [PLAIN, 'arrival', 'INFO'],
    ]);
    // Reads find them by the fields: the level filter, the time range.
    const errors = await fetch(`${t.url}/logs?org=lines&level=warn&to=2016-01-01T00:00:00Z`);
    assert.deepEqual(
      ((await errors.json()) as { logs: StoredLog[] }).logs.map((l) => l.message),
      [HADOOP],
    );
  });

  it('OTLP/HTTP: a body with a header beats the observed time; without one, the observed time', async () => {
    const observed = Date.UTC(2026, 11, 1, 8, 0, 0);
    const record = (body: string) => ({
      observedTimeUnixNano: String(observed * 1e6),
      body: { stringValue: body },
    });
    const res = await fetch(`${t.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-scope-orgid': 'otlp-lines' },
      body: JSON.stringify({
        resourceLogs: [{ scopeLogs: [{ logRecords: [record(HADOOP), record(PLAIN)] }] }],
      }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await stored(t, 'otlp-lines', Number.POSITIVE_INFINITY), [
      [HADOOP, '2015-10-18T18:01:47.978Z', 'WARN'],
      [PLAIN, new Date(observed).toISOString(), 'INFO'],
    ]);
  });

  it('Elasticsearch bulk: a document without @timestamp or a level', async () => {
    const res = await fetch(`${t.url}/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', 'x-scope-orgid': 'bulk-lines' },
      body: `{"create":{}}\n${JSON.stringify({ message: APACHE })}\n`,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await stored(t, 'bulk-lines', Number.POSITIVE_INFINITY), [
      [APACHE, '2005-12-04T04:47:44.000Z', 'ERROR'],
    ]);
  });

  it('an org in LINE_FIELDS_OFF_ORGS: the arrival time and INFO, the message as sent', async () => {
    const sentAfter = Date.now();
    assert.equal((await postLogs(t.url, [{ org: 'legacy', message: HADOOP }])).status, 200);
    assert.deepEqual(await stored(t, 'legacy', sentAfter), [[HADOOP, 'arrival', 'INFO']]);
  });
});
