// The shippers' protocols beside the JSON API (`npm run bench:protocols`): the same LogHub-2k
// lines, in batches of 1,000, posted as POST /logs/ingest JSON, OTLP protobuf (POST /v1/logs)
// and Loki snappy protobuf (POST /loki/api/v1/push) to one standalone service (writer
// discarding), in alternating rounds; each protocol's logs/s beside the JSON API's, against
// the floor of 0.8x. The bodies are encoded beforehand, as a shipper would, with
// protobufjs from the protocols' own message definitions (the fields the service reads).
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { Report, spread } from './report.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    'round-seconds': { type: 'string', default: '4' },
    connections: { type: 'string', default: '8' },
    json: { type: 'string' },
  },
});
if (values.data !== undefined) process.env['LOGHUB_DIR'] = values.data;
const { learn, lines, startService, stats, waitUp } = await import('./ingest-load.ts');
const { withFreshNumbers } = await import('./loghub.ts');

const BATCH = 1000;
const BODIES = 50;
const FLOOR = 0.8;
const PORT = 3193;
const ORG = 'bench';

// opentelemetry-proto logs/v1 and collector/logs/v1, common/v1; Loki's pkg/push/push.proto.
const root = protobuf.parse(`syntax = "proto3";
message AnyValue { oneof value { string string_value = 1; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message LogRecord { fixed64 time_unix_nano = 1; int32 severity_number = 2; string severity_text = 3; AnyValue body = 5; }
message ScopeLogs { repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
message PushRequest { repeated StreamAdapter streams = 1; }`).root;
const Otlp = root.lookupType('ExportLogsServiceRequest');
const Loki = root.lookupType('PushRequest');

interface Case {
  name: string;
  path: string;
  headers: Record<string, string>;
  bodies: Array<string | Buffer>;
}

function batches(): string[][] {
  const out: string[][] = [];
  let cursor = 0;
  for (let b = 0; b < BODIES; b++) {
    const batch: string[] = [];
    for (let i = 0; i < BATCH; i++) batch.push(withFreshNumbers(lines[cursor++ % lines.length] ?? ''));
    out.push(batch);
  }
  return out;
}

function cases(): Case[] {
  const all = batches();
  const now = Date.now();
  return [
    {
      name: 'JSON API (POST /logs/ingest)',
      path: '/logs/ingest',
      headers: { 'content-type': 'application/json' },
      bodies: all.map((batch) =>
        JSON.stringify({
          logs: batch.map((message) => ({ org: ORG, service: 'svc', level: 'info', message })),
        }),
      ),
    },
    {
      name: 'OTLP protobuf (POST /v1/logs)',
      path: '/v1/logs',
      headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': ORG },
      bodies: all.map((batch) =>
        Buffer.from(
          Otlp.encode({
            resourceLogs: [
              {
                resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
                scopeLogs: [
                  {
                    logRecords: batch.map((message) => ({
                      timeUnixNano: now * 1e6,
                      severityNumber: 9,
                      severityText: 'INFO',
                      body: { stringValue: message },
                    })),
                  },
                ],
              },
            ],
          }).finish(),
        ),
      ),
    },
    {
      name: 'Loki snappy protobuf (POST /loki/api/v1/push)',
      path: '/loki/api/v1/push',
      headers: { 'content-type': 'application/x-protobuf', 'x-scope-orgid': ORG },
      bodies: all.map((batch) =>
        compressSync(
          Buffer.from(
            Loki.encode({
              streams: [
                {
                  labels: '{service_name="svc", level="info"}',
                  entries: batch.map((line) => ({
                    timestamp: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 },
                    line,
                  })),
                },
              ],
            }).finish(),
          ),
        ),
      ),
    },
  ];
}

const rounds = Number(values.rounds);
const roundSeconds = Number(values['round-seconds']);
const connections = Number(values.connections);
const service = await startService(PORT, { INGEST_RATE_LIMIT_LOGS_PER_SEC: '0' });
try {
  const target = { url: service.url, headers: {} };
  await waitUp(service.url);
  await learn(target);
  const all = cases();
  const run = (c: Case, duration: number) =>
    autocannon({
      url: service.url,
      connections,
      duration,
      requests: c.bodies.map((body) => ({ method: 'POST' as const, path: c.path, headers: c.headers, body })),
    });
  // Each protocol answers 2xx, and its logs match on arrival like the JSON API's.
  for (const c of all) {
    const warm = await run(c, 2);
    if (warm.non2xx > 0 || warm['2xx'] === 0) throw new Error(`${c.name}: ${warm.non2xx} non-2xx answers`);
  }
  const before = await stats(target);
  const logsPerSec = all.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const order = all.map((_, i) => i);
    for (const i of round % 2 === 0 ? order : order.reverse()) {
      const result = await run(all[i]!, roundSeconds);
      if (result.non2xx > 0) throw new Error(`${all[i]!.name}: ${result.non2xx} non-2xx answers`);
      logsPerSec[i]!.push((result['2xx'] * BATCH) / result.duration);
    }
  }
  const after = await stats(target);
  const median = (xs: number[]) => spread(xs).median;
  const json = median(logsPerSec[0]!);
  const report = new Report('protocols');
  report.add({ case: `${all[0]!.name}: logs/s`, value: Math.round(json), unit: 'logs/s', note: 'the peer' });
  for (let i = 1; i < all.length; i++) {
    report.add({
      case: `${all[i]!.name}: logs/s`,
      value: Math.round(median(logsPerSec[i]!)),
      peer: Math.round(json),
      unit: 'logs/s',
      note: `target ≥ ${FLOOR}x the JSON API`,
    });
  }
  const accepted = after.logs.accepted - before.logs.accepted;
  const matched = after.logs.matched - before.logs.matched;
  console.log(
    `\nShippers' protocols beside the JSON API: batches of ${BATCH}, ${connections} connections, median of ${rounds} alternating rounds of ${roundSeconds} s, Node ${process.version}\n`,
  );
  report.emit(values.json);
  console.log(
    `\n- ${((matched / Math.max(1, accepted)) * 100).toFixed(1)}% of ${accepted} logs matched on arrival`,
  );
} finally {
  await service.stop();
}
