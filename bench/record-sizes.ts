// Bytes a log costs on its way through Kafka mode, for sizing brokers (docs/scaling.md):
// `npx node bench/record-sizes.ts [--json FILE]`. The 24,000 LogHub-2k messages are turned
// into the records the service itself sends, with its own encoders: a logs.raw record (what the
// ingest role produces), a logs.matched record (what a matcher produces) and the row's insert
// line (what the writer sends to ClickHouse). Each figure is the mean per log, beside the
// message it carries. A row's variables are the message's tokens where the ground-truth
// template has <*>, which is close to what the matcher extracts.
import { DATASETS, loghubAvailable, LOGHUB_DIR, readDataset } from './loghub.ts';
import { Report } from './report.ts';
import type { LogRecord, StoredLog } from '../src/model/log.ts';
import { encodeLogs } from '../src/store/format.ts';
import { toOutgoing } from '../src/transport/kafka/channel.ts';
import type { OutgoingMessage } from '../src/transport/kafka/client/index.ts';
import { serdes } from '../src/transport/kafka/connect.ts';

if (!loghubAvailable()) throw new Error(`LogHub-2k not found in ${LOGHUB_DIR} (set LOGHUB_DIR)`);

/** Key, value and header bytes: what the record takes in a batch before Kafka's own framing. */
function recordBytes(m: OutgoingMessage): number {
  let bytes = Buffer.byteLength(m.key) + (m.value?.length ?? 0);
  for (const [name, value] of Object.entries(m.headers ?? {}))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

const raw = serdes.logRecord();
const matched = serdes.storedLog();
const rows: StoredLog[] = [];
let messageBytes = 0;
let rawBytes = 0;
let matchedBytes = 0;
for (const name of DATASETS) {
  for (const { content, template } of readDataset(name)) {
    const slots = template.split(' ');
    const log: LogRecord = {
      timestamp: Date.now(),
      org: name.toLowerCase(),
      dashboard: '',
      service: name,
      host: 'node-17',
      level: 'INFO',
      message: content,
      metadata: {},
      // A row id is a UInt64 in decimal: as long as most are.
      id: '12345678901234567890',
    };
    const row: StoredLog = {
      ...log,
      // Template ids are random 52-bit numbers (model/template.ts).
      templateId: 3_456_789_012_345,
      variables: content.split(' ').filter((_, i) => (slots[i] ?? '<*>').includes('<*>')),
      untemplatedReason: '',
    };
    messageBytes += Buffer.byteLength(content);
    rawBytes += recordBytes(toOutgoing(raw, 'logs.raw', log));
    matchedBytes += recordBytes(toOutgoing(matched, 'logs.matched', row));
    rows.push(row);
  }
}
const n = rows.length;
const message = messageBytes / n;
const report = new Report('record-sizes');
report.add({ case: 'message (the peer)', value: message, unit: 'B per log' });
report.add({
  case: 'logs.raw record: key + Avro value + content-type header',
  value: rawBytes / n,
  peer: message,
  unit: 'B per log',
});
report.add({
  case: 'logs.matched record: key + Avro value + content-type header',
  value: matchedBytes / n,
  peer: message,
  unit: 'B per log',
});
report.add({
  case: 'insert line (JSONCompactEachRow)',
  value: Buffer.byteLength(encodeLogs(rows, 'JSONCompactEachRow')) / n,
  peer: message,
  unit: 'B per log',
});
console.log(`\nBytes per log in Kafka mode, ${n.toLocaleString('en')} LogHub-2k messages, uncompressed\n`);
const at = process.argv.indexOf('--json');
report.emit(at < 0 ? undefined : process.argv[at + 1]);
