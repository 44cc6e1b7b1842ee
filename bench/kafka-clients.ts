/**
 * Which Kafka client the service uses, measured on the local broker (docs/kafka.md, "Client
 * choice"): `npm run kafka:up`, then `KAFKA_BROKERS=127.0.0.1:9092 npx node bench/kafka-clients.ts [rounds=2]`.
 * Each scenario runs the clients in turn in the same process against fresh topics, so both
 * meet the same broker state; prints markdown tables. About a minute with 3 rounds.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkajsAdapter } from './kafka/kafkajs.ts';
import { firstSendProbe, platformaticAdapter } from './kafka/platformatic.ts';
import type { BenchMessage, ClientAdapter, Delivered, Member } from './kafka/types.ts';

const brokersEnv = process.env.KAFKA_BROKERS;
if (brokersEnv === undefined || brokersEnv === '') {
  console.error('KAFKA_BROKERS is not set: run `npm run kafka:up` and export what it prints');
  process.exit(2);
}
const brokers = brokersEnv.split(',');
const rounds = Number(process.argv[2] ?? 2);
const VALUE_BYTES = 300;
const BATCH = 1000;

function value(seq: number): Buffer {
  // seq first, so a consumer can tell which produced message it got without trusting offsets.
  return Buffer.from(`${seq}|`.padEnd(VALUE_BYTES, 'x'));
}
const seqOf = (v: Buffer | null) => (v === null ? -1 : Number(v.toString('latin1', 0, v.indexOf(124))));
const org = (seq: number) => Buffer.from(`org-${seq % 97}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

// Topics are deleted only at the end: a kafkajs producer that has sent to a topic fails every
// later send once that topic is deleted (tulios/kafkajs#1622, measured in (d) below).
const created: { c: ClientAdapter; topic: string }[] = [];
async function withTopic<T>(
  c: ClientAdapter,
  partitions: number,
  config: Record<string, string>,
  fn: (t: string) => Promise<T>,
) {
  const topic = `bench-${randomUUID()}`;
  await c.createTopic(topic, partitions, config);
  created.push({ c, topic });
  return fn(topic);
}

// (d) sending after a topic this producer used was deleted ------------------------------------
async function afterDelete(c: ClientAdapter): Promise<string> {
  const one = `bench-${randomUUID()}`;
  const two = `bench-${randomUUID()}`;
  await c.createTopic(one, 1);
  await c.createTopic(two, 1);
  created.push({ c, topic: two });
  await c.send(one, [{ key: Buffer.from('k'), value: Buffer.from('v') }]);
  await c.deleteTopic(one);
  try {
    await c.send(two, [{ key: Buffer.from('k'), value: Buffer.from('v') }]);
    return 'ok';
  } catch (err) {
    return `fails: ${(err as Error).message.split('\n')[0]}`;
  }
}

// (a) throughput --------------------------------------------------------------------------
async function throughput(c: ClientAdapter, total: number) {
  return withTopic(c, 6, {}, async (topic) => {
    const t0 = performance.now();
    for (let b = 0; b < total / BATCH; b++) {
      const msgs: BenchMessage[] = [];
      for (let i = 0; i < BATCH; i++) msgs.push({ key: org(b * BATCH + i), value: value(b * BATCH + i) });
      await c.send(topic, msgs);
    }
    const produceS = (performance.now() - t0) / 1000;
    const seen = new Set<number>();
    const t1 = performance.now();
    const m = await c.member(topic, `bench-${randomUUID()}`, async (batch) => {
      for (const d of batch) seen.add(seqOf(d.value));
      await Promise.resolve();
    });
    const ok = await waitFor(() => seen.size >= total, 60_000);
    const consumeS = (performance.now() - t1) / 1000;
    await m.stop();
    if (!ok) throw new Error(`${c.name}: consumed ${seen.size} of ${total}`);
    return { produce: total / produceS, consume: total / consumeS };
  });
}

// (b) rebalance ---------------------------------------------------------------------------
interface RebalanceResult {
  produced: number;
  delivered: number;
  /** Distinct (partition, offset) pairs: delivered minus this is redelivery. */
  offsets: number;
  unique: number;
  lost: number;
  joinResumeMs: number;
  leaveResumeMs: number;
  maxGapMs: number;
}

async function rebalance(c: ClientAdapter): Promise<RebalanceResult> {
  return withTopic(c, 6, {}, async (topic) => {
    const group = `bench-${randomUUID()}`;
    const log: { at: number; member: string; d: Delivered }[] = [];
    const handler = (name: string) => async (batch: Delivered[]) => {
      const at = performance.now();
      for (const d of batch) log.push({ at, member: name, d });
      await sleep(2); // processing, so the commit trails the fetch as it will in the matcher
    };
    const members = new Map<string, Member>();
    members.set('A', await c.member(topic, group, handler('A')));
    members.set('B', await c.member(topic, group, handler('B')));

    // A steady stream of 200 messages every 20 ms for about 5 s: joins and leaves happen mid-stream.
    let produced = 0;
    let produceError: Error | undefined;
    const producing = (async () => {
      for (let b = 0; b < 250; b++) {
        const msgs: BenchMessage[] = [];
        for (let i = 0; i < 200; i++, produced++) msgs.push({ key: org(produced), value: value(produced) });
        await c.send(topic, msgs);
        await sleep(20);
      }
    })().catch((err: unknown) => {
      produceError = err instanceof Error ? err : new Error(`send failed: ${JSON.stringify(err)}`);
    });

    await sleep(1500);
    const joinAt = performance.now();
    members.set('C', await c.member(topic, group, handler('C')));
    await waitFor(() => log.some((e) => e.member === 'C'), 30_000);
    const joinResumeMs = (log.find((e) => e.member === 'C')?.at ?? NaN) - joinAt;

    await sleep(1500);
    const leaveAt = performance.now();
    const ownedByA = new Set(
      log.filter((e) => e.member === 'A' && e.at > leaveAt - 1000).map((e) => e.d.partition),
    );
    await members.get('A')?.stop();
    members.delete('A');
    const takenOver = () =>
      [...ownedByA].every((p) => log.some((e) => e.at > leaveAt && e.member !== 'A' && e.d.partition === p));
    await waitFor(takenOver, 30_000);
    const leaveResumeMs =
      ownedByA.size === 0
        ? NaN
        : Math.max(
            ...[...ownedByA].map(
              (p) =>
                (log.find((e) => e.at > leaveAt && e.member !== 'A' && e.d.partition === p)?.at ?? NaN) -
                leaveAt,
            ),
          );

    await producing;
    if (produceError !== undefined) throw produceError;
    const seqs = () => new Set(log.map((e) => seqOf(e.d.value)));
    await waitFor(() => seqs().size >= produced, 30_000);
    for (const m of members.values()) await m.stop();

    let maxGapMs = 0;
    for (let i = 1; i < log.length; i++)
      maxGapMs = Math.max(maxGapMs, (log[i]?.at ?? 0) - (log[i - 1]?.at ?? 0));
    const unique = seqs().size;
    const offsets = new Set(log.map((e) => `${e.d.partition}:${e.d.offset}`)).size;
    return {
      produced,
      delivered: log.length,
      offsets,
      unique,
      lost: produced - unique,
      joinResumeMs,
      leaveResumeMs,
      maxGapMs,
    };
  });
}

// (c) compacted topic ---------------------------------------------------------------------
const KEYS = 300;
const VERSIONS = 4;
const TOMBSTONES = 60;
const COMPACT = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', 'segment.ms': '100' };

/** Writes KEYS keys x VERSIONS versions, then TOMBSTONES tombstones; returns the expected final state. */
async function fillCompacted(c: ClientAdapter, topic: string, pauseMs: number): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  const key = (k: number) => `org-${k % 5}:${k}`;
  for (let v = 1; v <= VERSIONS; v++) {
    const msgs: BenchMessage[] = [];
    for (let k = 0; k < KEYS; k++) {
      msgs.push({ key: Buffer.from(key(k)), value: Buffer.from(`tpl-${k}-v${v}`) });
      expected.set(key(k), `tpl-${k}-v${v}`);
    }
    await c.send(topic, msgs);
    // A pause longer than segment.ms makes the next write roll a segment, so the cleaner,
    // which never touches the active segment, has something to compact.
    await sleep(pauseMs);
  }
  // Tombstones last: a reader that drops null values, or detects the end by the last record it
  // saw, would hang here instead of finishing.
  const dead: BenchMessage[] = [];
  for (let k = 0; k < TOMBSTONES; k++) {
    dead.push({ key: Buffer.from(key(k)), value: null });
    expected.delete(key(k));
  }
  await c.send(topic, dead);
  return expected;
}

async function readCompacted(c: ClientAdapter, topic: string, expected: Map<string, string>) {
  const t0 = performance.now();
  const r = await c.readToEnd(topic);
  const ms = performance.now() - t0;
  const state = new Map<string, string>();
  let nulls = 0;
  for (const d of r.records) {
    const k = d.key?.toString() ?? '';
    if (d.value === null) {
      nulls++;
      state.delete(k);
    } else state.set(k, d.value.toString());
  }
  const distinct = new Set(r.records.map((d) => `${d.partition}:${d.offset}`)).size;
  const correct = state.size === expected.size && [...expected].every(([k, v]) => state.get(k) === v);
  return {
    read: r.records.length,
    distinct,
    correct,
    nulls,
    endVia: r.endVia,
    tombstoneAs: r.tombstoneAs,
    ms,
  };
}

function compactedRow(name: string, label: string, x: Awaited<ReturnType<typeof readCompacted>>) {
  return `| ${name} | ${label} | ${fmt(x.read)} | ${fmt(x.distinct)} | ${x.correct ? 'yes' : 'NO'} | ${x.nulls} | ${x.tombstoneAs} | ${x.endVia} | ${fmt(x.ms)} |`;
}

// -----------------------------------------------------------------------------------------
const clients = [platformaticAdapter(brokers), kafkajsAdapter(brokers)];
const started = performance.now();
try {
  // One compacted topic written first and read by both clients last, so the log cleaner (it
  // backs off 15 s between runs) has had the whole of (a) and (b) to compact it.
  const cleaned = `bench-${randomUUID()}`;
  const first = clients[0] as ClientAdapter;
  await first.createTopic(cleaned, 3, COMPACT);
  created.push({ c: first, topic: cleaned });
  const cleanedExpected = await fillCompacted(first, cleaned, 300);

  const tp = new Map(clients.map((c) => [c.name, { produce: [] as number[], consume: [] as number[] }]));
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first, so broker warm-up and page cache favour neither.
    for (const c of r % 2 === 0 ? clients : [...clients].reverse()) {
      const res = await throughput(c, 50_000);
      tp.get(c.name)?.produce.push(res.produce);
      tp.get(c.name)?.consume.push(res.consume);
    }
  }
  console.log(
    `\n### (a) Throughput: 50,000 keyed messages of ${VALUE_BYTES} B, batches of ${BATCH}, acks=-1, 6 partitions (median of ${rounds})\n`,
  );
  console.log(
    '| client | produce msg/s | produce MB/s | consume msg/s (group, from join) | consume MB/s | runs (produce / consume msg/s) |',
  );
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [name, v] of tp) {
    const p = median(v.produce);
    const q = median(v.consume);
    const runs = v.produce.map((x, i) => `${fmt(x)} / ${fmt(v.consume[i] ?? NaN)}`).join('; ');
    console.log(
      `| ${name} | ${fmt(p)} | ${((p * VALUE_BYTES) / 1e6).toFixed(1)} | ${fmt(q)} | ${((q * VALUE_BYTES) / 1e6).toFixed(1)} | ${runs} |`,
    );
  }

  console.log(
    '\n### (b) Rebalance: members A, B; C joins at 1.5 s; A leaves 1.5 s later; 50,000 messages over ~6 s; commit after processing\n',
  );
  console.log(
    "| client | run | produced | delivered | redelivered (same offset again) | duplicate records in the log | lost | C first message after join (ms) | A's partitions resumed after leave (ms) | longest pause in delivery (ms) |",
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? clients : [...clients].reverse()) {
      const x = await rebalance(c);
      console.log(
        `| ${c.name} | ${r + 1} | ${fmt(x.produced)} | ${fmt(x.delivered)} | ${fmt(x.delivered - x.offsets)} | ${fmt(x.offsets - x.unique)} | ${x.lost} | ${fmt(x.joinResumeMs)} | ${fmt(x.leaveResumeMs)} | ${fmt(x.maxGapMs)} |`,
      );
    }
  }

  console.log(
    `\n### (c) Compacted topic read from the beginning, no committed offsets: ${KEYS} keys x ${VERSIONS} versions, then ${TOMBSTONES} tombstones (${KEYS * VERSIONS + TOMBSTONES} records written)\n`,
  );
  console.log(
    '| client | topic | records delivered | distinct offsets | latest value per key correct | tombstones delivered | tombstone value as | end detected via | ms |',
  );
  console.log('|---|---|---:|---:|---|---:|---|---|---:|');
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? clients : [...clients].reverse()) {
      const x = await withTopic(c, 3, COMPACT, async (t) =>
        readCompacted(c, t, await fillCompacted(c, t, 0)),
      );
      console.log(compactedRow(c.name, `fresh, run ${r + 1}`, x));
    }
  }
  for (const c of clients)
    console.log(
      compactedRow(c.name, 'after the cleaner ran', await readCompacted(c, cleaned, cleanedExpected)),
    );

  console.log('\n### (d) Sending to a topic after another topic the same producer sent to was deleted\n');
  console.log('| client | result |');
  console.log('|---|---|');
  for (const c of clients) console.log(`| ${c.name} | ${await afterDelete(c)} |`);

  console.log(
    '\n### (e) @platformatic/kafka: records in the log after the first send of 300 to a just-created compacted topic\n',
  );
  console.log('| producer | log records, 3 tries |');
  console.log('|---|---|');
  for (const idempotent of [false, true])
    console.log(
      `| idempotent: ${idempotent} | ${(await firstSendProbe(brokers, idempotent, 3)).join(', ')} |`,
    );

  console.log(`\n_Total ${((performance.now() - started) / 1000).toFixed(0)} s, Node ${process.version}._`);
} finally {
  for (const { c, topic } of created) await c.deleteTopic(topic).catch(() => undefined);
  for (const c of clients) await c.close();
}
