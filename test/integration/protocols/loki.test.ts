import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { startTestService, storedInOrder, type TestService } from '../../helpers/service.ts';

interface StoredLog {
  timestamp: string;
  message: string;
  level: string;
  service: string;
  host: string;
  metadata: Record<string, string>;
}

/**
 * Loki's push messages as pkg/push/push.proto declares them (gogoproto options left out: they
 * change the Go types, not the wire), and google.protobuf.Timestamp.
 */
const root = new protobuf.Root();
protobuf.parse(
  `syntax = "proto3"; package google.protobuf;
   message Timestamp { int64 seconds = 1; int32 nanos = 2; }`,
  root,
);
protobuf.parse(
  `syntax = "proto3"; package logproto;
   import "google/protobuf/timestamp.proto";
   message PushRequest { repeated StreamAdapter streams = 1; string format = 2; }
   message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
   message LabelPairAdapter { string name = 1; string value = 2; }
   message EntryAdapter {
     google.protobuf.Timestamp timestamp = 1;
     string line = 2;
     repeated LabelPairAdapter structuredMetadata = 3;
     repeated LabelPairAdapter parsed = 4;
   }`,
  root,
);
const PushRequest = root.lookupType('logproto.PushRequest');

interface Entry {
  ns: bigint;
  line: string;
  structuredMetadata?: Array<{ name: string; value: string }>;
}

/** A PushRequest as Promtail and Alloy send it: protobuf, then snappy's block format. */
function encodePush(streams: Array<{ labels: string; entries: Entry[] }>): Buffer {
  const message = PushRequest.fromObject({
    streams: streams.map((s) => ({
      labels: s.labels,
      hash: 12345,
      entries: s.entries.map((e) => ({
        timestamp: { seconds: String(e.ns / 1_000_000_000n), nanos: Number(e.ns % 1_000_000_000n) },
        line: e.line,
        structuredMetadata: e.structuredMetadata ?? [],
      })),
    })),
  });
  return Buffer.from(PushRequest.encode(message).finish());
}

const snappy = (raw: Buffer) => compressSync(raw);

/** An hour ago, to the nanosecond, with sub-millisecond digits to be floored. */
const AT_MS = Math.floor(Date.now() / 1000) * 1000 - 3_600_000 + 123;
const AT_NS = BigInt(AT_MS) * 1_000_000n + 999_999n;
const iso = (ms: number) => new Date(ms).toISOString();

const BODY_LIMIT = 1024 * 1024;

describe('Loki push: POST /loki/api/v1/push', { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({ INGEST_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  });
  after(async () => t.destroy());

  const stored = (org: string) => storedInOrder<StoredLog>(t, org);
  const push = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${t.url}/loki/api/v1/push`, { method: 'POST', body, headers });
  const proto = (org: string, more: Record<string, string> = {}) => ({
    'content-type': 'application/x-protobuf',
    'x-scope-orgid': org,
    ...more,
  });

  it('stores a snappy-compressed protobuf push, as Promtail and Alloy send it, labels mapped', async () => {
    const body = snappy(
      encodePush([
        {
          labels: String.raw`{app="checkout", job="varlogs/app", hostname="web-1", level="warn", env="prod", note="say \"hi\"\n"}`,
          entries: [
            {
              ns: AT_NS,
              line: 'Payment 42 declined',
              structuredMetadata: [{ name: 'trace_id', value: 't1' }],
            },
            { ns: AT_NS + 1_000_000n, line: 'Payment 43 declined' },
          ],
        },
        // No label for level: the entry's structured metadata gives it.
        {
          labels: '{service_name="api", instance="10.0.0.7:9100"}',
          entries: [
            {
              ns: AT_NS + 2_000_000n,
              line: 'User 9 logged in',
              structuredMetadata: [{ name: 'detected_level', value: 'info' }],
            },
          ],
        },
      ]),
    );
    const res = await push(body, proto('loki-proto', { 'user-agent': 'promtail/3.5.0' }));
    assert.equal(res.status, 204, await res.clone().text());
    assert.equal(await res.text(), '');
    const logs = await stored('loki-proto');
    assert.deepEqual(
      logs.map((l) => [l.timestamp, l.message, l.level, l.service, l.host]),
      [
        [iso(AT_MS), 'Payment 42 declined', 'WARN', 'checkout', 'web-1'],
        [iso(AT_MS + 1), 'Payment 43 declined', 'WARN', 'checkout', 'web-1'],
        [iso(AT_MS + 2), 'User 9 logged in', 'INFO', 'api', '10.0.0.7:9100'],
      ],
    );
    assert.deepEqual(logs[0]!.metadata, {
      job: 'varlogs/app',
      env: 'prod',
      note: 'say "hi"\n',
      trace_id: 't1',
    });
    assert.deepEqual(logs[1]!.metadata, { job: 'varlogs/app', env: 'prod', note: 'say "hi"\n' });
    assert.deepEqual(logs[2]!.metadata, {});
  });

  it('takes protobuf with Content-Encoding snappy, and gzip around the snappy', async () => {
    const raw = encodePush([{ labels: '{app="a"}', entries: [{ ns: AT_NS, line: 'Disk 1 full' }] }]);
    assert.equal((await push(snappy(raw), proto('loki-enc', { 'content-encoding': 'snappy' }))).status, 204);
    assert.equal(
      (await push(gzipSync(snappy(raw)), proto('loki-enc', { 'content-encoding': 'gzip' }))).status,
      204,
    );
    assert.deepEqual(
      (await stored('loki-enc')).map((l) => l.message),
      ['Disk 1 full', 'Disk 1 full'],
    );
  });

  it('stores a JSON push, plain and gzip, with structured metadata and nanosecond string times', async () => {
    const body = JSON.stringify({
      streams: [
        {
          stream: { service: 'billing', host: 'db-2', severity: 'error', region: 'eu' },
          values: [
            [String(AT_NS), 'Invoice 7 failed'],
            [String(AT_NS + 5_000_000n), 'Invoice 8 failed', { trace_id: 'abc', region: 'eu-west-1' }],
          ],
        },
      ],
    });
    const json = { 'content-type': 'application/json', 'x-scope-orgid': 'loki-json' };
    assert.equal((await push(body, json)).status, 204);
    const gz = await push(gzipSync(body), { ...json, 'content-encoding': 'gzip' });
    assert.equal(gz.status, 204);
    const logs = await stored('loki-json');
    assert.equal(logs.length, 4);
    assert.deepEqual(
      logs.map((l) => [l.timestamp, l.message, l.level, l.service, l.host, l.metadata]),
      [
        [iso(AT_MS), 'Invoice 7 failed', 'ERROR', 'billing', 'db-2', { region: 'eu' }],
        [iso(AT_MS), 'Invoice 7 failed', 'ERROR', 'billing', 'db-2', { region: 'eu' }],
        [
          iso(AT_MS + 5),
          'Invoice 8 failed',
          'ERROR',
          'billing',
          'db-2',
          { region: 'eu-west-1', trace_id: 'abc' },
        ],
        [
          iso(AT_MS + 5),
          'Invoice 8 failed',
          'ERROR',
          'billing',
          'db-2',
          { region: 'eu-west-1', trace_id: 'abc' },
        ],
      ],
    );
  });

  it('stores the valid entries of a push and answers 400 naming the others, as Loki does', async () => {
    const body = snappy(
      encodePush([
        {
          labels: '{app="web"}',
          entries: [
            { ns: AT_NS, line: 'GET /a 200' },
            { ns: AT_NS, line: '' },
            { ns: -5_000_000_000n, line: 'before 1970' },
          ],
        },
      ]),
    );
    const res = await push(body, proto('loki-partial'));
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^EMPTY_FIELD: 2 of 3 entries refused: /);
    assert.match(text, /entry 1 of stream '\{app="web"\}': message: EMPTY_FIELD/);
    assert.match(text, /entry 2 of stream '\{app="web"\}': timestamp: INVALID_TIMESTAMP/);
    assert.deepEqual(
      (await stored('loki-partial')).map((l) => l.message),
      ['GET /a 200'],
    );
    // Every entry refused: 400 as well, each named.
    const none = await push(
      JSON.stringify({ streams: [{ stream: { app: 'x' }, values: [[String(AT_NS), ' ']] }] }),
      { 'content-type': 'application/json', 'x-scope-orgid': 'loki-partial' },
    );
    assert.equal(none.status, 400);
    assert.match(await none.text(), /^EMPTY_FIELD: 1 of 1 entries refused: entry 0 of stream '\{app="x"\}'/);
  });

  it('refuses a push without an org (400, plain text) and stores nothing', async () => {
    const res = await push(
      snappy(encodePush([{ labels: '{app="a"}', entries: [{ ns: AT_NS, line: 'x' }] }])),
      { 'content-type': 'application/x-protobuf' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await res.text(), /^MISSING_ORG: the X-Scope-OrgID header is required/);
  });

  it('refuses bodies it cannot read: corrupt snappy, a snappy bomb (413 before any work), bad protobuf, bad labels, bad JSON', async () => {
    const org = 'loki-bad';
    const expect = async (
      body: Buffer | string,
      headers: Record<string, string>,
      status: number,
      text: RegExp,
    ) => {
      const res = await push(body, headers);
      const answer = await res.text();
      assert.equal(res.status, status, answer);
      assert.match(answer, text);
    };
    const good = encodePush([{ labels: '{app="a"}', entries: [{ ns: AT_NS, line: 'x' }] }]);
    // Not snappy: the protobuf sent uncompressed.
    await expect(good, proto(org), 400, /^INVALID_COMPRESSED_BODY: /);
    await expect(Buffer.alloc(0), proto(org), 400, /^INVALID_COMPRESSED_BODY: .*no valid length preamble/);
    // A preamble claiming 4 GiB before bytes that are not snappy: decompressing them would
    // be a 400; the claim alone is the 413.
    await expect(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), proto(org), 413, /^BODY_TOO_LARGE: /);
    // A real bomb: 64 MiB of one byte is 3 MB of snappy... kept small here: 2 MiB in 100 KB.
    const bomb = snappy(Buffer.alloc(2 * BODY_LIMIT, 0x61));
    assert.ok(bomb.length < BODY_LIMIT);
    await expect(
      bomb,
      proto(org),
      413,
      /^BODY_TOO_LARGE: the decompressed body is larger than 1048576 bytes/,
    );
    // Snappy of bytes that are not a PushRequest: a length past the end.
    await expect(snappy(Buffer.from([0x0a, 0x05, 0x0a])), proto(org), 400, /^MALFORMED_LOKI: .*past the end/);
    await expect(
      snappy(encodePush([{ labels: '{app=unquoted}', entries: [{ ns: AT_NS, line: 'x' }] }])),
      proto(org),
      400,
      /^INVALID_LABELS: couldn't parse labels: expected a quoted value/,
    );
    await expect(
      snappy(encodePush([{ labels: 'app="a"', entries: [] }])),
      proto(org),
      400,
      /^INVALID_LABELS: /,
    );
    const json = { 'content-type': 'application/json', 'x-scope-orgid': org };
    await expect('{"streams": [', json, 400, /^MALFORMED_LOKI: the body is not a PushRequest: not JSON/);
    await expect(
      JSON.stringify({ streams: [{ stream: { app: 'a' }, values: [[1700000000000000000, 'x']] }] }),
      json,
      400,
      /^MALFORMED_LOKI: .*streams\[0\]\.values\[0\]\[0\], the timestamp, must be a string/,
    );
    await expect(
      JSON.stringify({ streams: [{ stream: { app: 7 }, values: [] }] }),
      json,
      400,
      /^MALFORMED_LOKI: .*must be a string/,
    );
    await expect('hello', { ...json, 'content-type': 'text/plain' }, 415, /^UNSUPPORTED_MEDIA_TYPE: /);
    await expect('{}', { ...json, 'content-encoding': 'br' }, 415, /^UNSUPPORTED_MEDIA_TYPE: /);
    assert.deepEqual(await stored(org), []);
  });

  it('refuses more entries than INGEST_MAX_LOGS_PER_REQUEST (413), answers 422 to no stream and 204 to streams without entries', async () => {
    const org = 'loki-count';
    const many = encodePush([
      {
        labels: '{app="a"}',
        entries: Array.from({ length: 10_001 }, (_, i) => ({ ns: AT_NS, line: `l ${i}` })),
      },
    ]);
    const tooMany = await push(snappy(many), proto(org));
    assert.equal(tooMany.status, 413);
    assert.match(await tooMany.text(), /^TOO_MANY_LOGS: at most 10000 logs per request/);
    const empty = await push(snappy(encodePush([])), proto(org));
    assert.equal(empty.status, 422);
    assert.match(await empty.text(), /at least one valid stream is required/);
    const noEntries = await push(snappy(encodePush([{ labels: '{app="a"}', entries: [] }])), proto(org));
    assert.equal(noEntries.status, 204);
    assert.deepEqual(await stored(org), []);
  });
});

const ACME = 'acme-writer-key-0123456789';
const TWO = 'two-orgs-writer-key-0123456789';

describe('Loki push with API keys', { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService({ INGEST_API_KEYS: `${ACME}:acme:write+read;${TWO}:acme,beta:write+read` });
  });
  after(async () => t.destroy());

  it("takes the key as Basic auth's password (Promtail's basic_auth); one org needs no header; a foreign one is 403", async () => {
    const body = snappy(encodePush([{ labels: '{app="a"}', entries: [{ ns: AT_NS, line: 'Disk 3 full' }] }]));
    const basic = (key: string) => `Basic ${Buffer.from(`acme:${key}`).toString('base64')}`;
    const post = (authorization: string | undefined, headers: Record<string, string> = {}) =>
      fetch(`${t.url}/loki/api/v1/push`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-protobuf',
          ...(authorization === undefined ? {} : { authorization }),
          ...headers,
        },
      });
    assert.equal((await post(basic(ACME))).status, 204);
    const foreign = await post(basic(ACME), { 'x-scope-orgid': 'beta' });
    assert.equal(foreign.status, 403);
    assert.match(await foreign.text(), /^FORBIDDEN: /);
    assert.equal((await post(`Bearer ${TWO}`)).status, 400);
    assert.equal((await post(`Bearer ${TWO}`, { 'x-scope-orgid': 'beta' })).status, 204);
    const unknown = await post(basic('not-a-key-of-this-service'));
    assert.equal(unknown.status, 401);
    assert.match(await unknown.text(), /^UNAUTHORIZED: /);
    assert.equal((await post(undefined, { 'x-scope-orgid': 'acme' })).status, 401);

    await t.flush();
    const read = async (org: string) =>
      (
        (await (
          await fetch(`${t.url}/logs?org=${org}`, { headers: { authorization: `Bearer ${TWO}` } })
        ).json()) as { logs: StoredLog[] }
      ).logs.map((l) => l.message);
    assert.deepEqual(await read('acme'), ['Disk 3 full']);
    assert.deepEqual(await read('beta'), ['Disk 3 full']);
  });
});
