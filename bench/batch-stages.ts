// CPU per log of each stage a batch of 1,000 takes through the service (issue 19, point 2), on
// the LogHub-2k bodies bench:ingest sends, with the real functions of each stage: what a
// request thread does to a body (parse, validate with line fields, row ids and match, the
// insert lines, the WAL record, its answer cloned across threads: threads/prepare.ts) and what
// the main thread does with the answer (the rows back for the WAL and the writer:
// threads/route.ts; the writer's batch text: store/format.ts). With --baseline-root, another
// checkout's functions (main) run beside this one's on the same bodies, alternating round by
// round; the median of the rounds is the figure. CPU time, not wall time: the machine is shared.
//
//   node bench/batch-stages.ts [--baseline-root DIR] [--rounds 7] [--batch 1000] [--json FILE]
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LogRecord } from '../src/model/log.ts';
import type { Template } from '../src/model/template.ts';
import { TemplateMiner } from '../src/generate/builtin/index.ts';
import { MatcherSnapshot } from '../src/match/index.ts';
import { Report, spread } from './report.ts';
import type * as IngestBody from '../src/ingest/body.ts';
import type * as IngestValidateBatch from '../src/ingest/validate-batch.ts';
import type * as IngestLineFields from '../src/ingest/line-fields.ts';
import type * as MatchStage from '../src/match/stage.ts';
import type * as TransportInProcess from '../src/transport/in-process.ts';
import type * as Logger from '../src/logger.ts';
import type * as ThreadsPrepare from '../src/threads/prepare.ts';
import type * as ThreadsRoute from '../src/threads/route.ts';
import type * as StoreFormat from '../src/store/format.ts';
import type * as WalCodec from '../src/wal/codec.ts';
import type * as WalFormat from '../src/wal/format.ts';
import type * as Config from '../src/config.ts';
import type * as ModelRowId from '../src/model/row-id.ts';

const { values } = parseArgs({
  options: {
    'baseline-root': { type: 'string' },
    rounds: { type: 'string', default: '7' },
    batch: { type: 'string', default: '1000' },
    json: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const batch = Number(values.batch);
const ROOT = path.resolve(import.meta.dirname, '..');
const { bodies } = await import('./ingest-load.ts');

const payloads = bodies(batch, Math.max(20, Math.ceil(50_000 / batch)), true).map((b) => Buffer.from(b));
const logCount = payloads.length * batch;

/**
 * The templates the service would hold: the built-in miner over the bodies' own messages, as
 * bench:ingest's learning phase leaves it, so every log matches on arrival (the steady state).
 */
function learnedTemplates(): Template[] {
  const miner = new TemplateMiner();
  const byId = new Map<number, Template>();
  let snapshot = MatcherSnapshot.empty();
  for (const payload of payloads) {
    for (const { message } of (JSON.parse(payload.toString()) as { logs: { message: string }[] }).logs) {
      if (snapshot.match('bench', message) !== undefined) continue;
      const mined = miner.add('bench', message);
      const template: Template = {
        id: mined.id,
        org: 'bench',
        text: mined.text,
        source: 'builtin',
        createdAt: 0,
        updatedAt: 0,
      };
      for (const id of mined.absorbed ?? []) byId.delete(id);
      byId.set(mined.id, template);
      snapshot = snapshot.withChanges([template]);
    }
  }
  return [...byId.values()];
}
const templates = learnedTemplates();
/** One checkout's stage functions, each a step over every body, returning what the next takes. */
async function stagesOf(root: string) {
  const load = async (file: string) => (await import(path.join(root, 'src', file))) as unknown;
  const { utf8Text, logsFromText } = (await load('ingest/body.ts')) as typeof IngestBody;
  const { validateBatch } = (await load('ingest/validate-batch.ts')) as typeof IngestValidateBatch;
  const { lineFieldsFor } = (await load('ingest/line-fields.ts')) as typeof IngestLineFields;
  const { startMatch } = (await load('match/stage.ts')) as typeof MatchStage;
  const { InProcessChannel } = (await load('transport/in-process.ts')) as typeof TransportInProcess;
  const { createLogger } = (await load('logger.ts')) as typeof Logger;
  const { prepareBody } = (await load('threads/prepare.ts')) as typeof ThreadsPrepare;
  const { preparedLogs } = (await load('threads/route.ts')) as typeof ThreadsRoute;
  const { encodeInsertLine, encodeLogs, LOG_FORMAT } = (await load('store/format.ts')) as typeof StoreFormat;
  const { recordHead } = (await load('wal/codec.ts')) as typeof WalCodec;
  const { RecordFramer } = (await load('wal/format.ts')) as typeof WalFormat;
  const framer = new RecordFramer();
  const { DEFAULT_LIMITS } = (await load('config.ts')) as typeof Config;
  const { newRowIds } = (await load('model/row-id.ts')) as typeof ModelRowId;

  const match = startMatch({
    channels: {
      matched: new InProcessChannel('matched'),
      unmatched: new InProcessChannel('unmatched'),
      templates: new InProcessChannel('templates'),
    },
    initial: templates,
    logger: createLogger('error'),
  });
  const lineFields = lineFieldsFor({ on: true, offOrgs: [] });
  // frameRecords: what a checkout from before the record always carried the lines reads (main).
  const settings = { limits: DEFAULT_LIMITS, maxLogs: 10_000, bodyLimit: 10 << 20, frameRecords: true };
  const at = Date.now();

  type Prepared = Extract<Awaited<ReturnType<typeof prepareBody>>, { kind: 'prepared' }>;
  /** Each stage takes what the one before it made of the same body. */
  return {
    /** The parts of the worker's job, each alone. */
    parse: (i: number) => logsFromText(utf8Text(payloads[i]!), 'json', 10_000),
    validate: (parsed: IngestBody.SubmittedLogs) =>
      validateBatch({ ...parsed, everyProblem: true }, at, DEFAULT_LIMITS, undefined, lineFields),
    match: ({ logs }: IngestValidateBatch.ValidatedBatch) => {
      const ids = newRowIds(logs.length);
      for (let i = 0; i < logs.length; i++) logs[i]!.id = ids[i]!;
      return match.classify(logs);
    },
    /** Each matched row's insert line, joined as the worker sends them. */
    encode: ({ rows, misses }: ReturnType<MatchStage.MatchStage['classify']>) => ({
      misses,
      lines: rows.map(encodeInsertLine).join(''),
    }),
    /** The request's WAL record: the misses' head and the lines, framed with length and CRC. */
    record: ({ misses, lines }: { misses: readonly LogRecord[]; lines: string }) => {
      framer.add(recordHead(misses), [lines]);
      return new Uint8Array(framer.take()).length;
    },
    /** The whole of a worker's job, as threads/worker.ts runs it. */
    async worker(i: number): Promise<Prepared> {
      const job = {
        kind: 'job' as const,
        id: i,
        body: payloads[i]!,
        framing: 'json' as const,
        contentEncoding: undefined,
        at,
      };
      const answer = await prepareBody(job, settings, match, lineFields);
      if (answer.kind !== 'prepared') throw new Error(`body ${i} refused: ${answer.error.message}`);
      if (answer.misses.length > 0)
        throw new Error(`body ${i}: ${answer.misses.length} logs matched no template`);
      return answer;
    },
    /** postMessage's structured clone of the answer (serialised on the worker, read on the main thread). */
    clone: (answer: Prepared): Prepared =>
      structuredClone(answer, {
        transfer: answer.record === undefined ? [] : [answer.record.buffer as ArrayBuffer],
      }),
    /** The main thread: the answer back into rows (a checkout before entries) or an entry for the WAL and the writer. */
    route(answer: Prepared): Buffered {
      let rows: unknown = [];
      void preparedLogs(answer, (classified) => {
        rows = classified.rows;
        return 0;
      }).route(undefined);
      return rows as Buffered;
    },
    /**
     * The writer: a batch's text from the rows (discarded by the bench's sink, as in
     * bench:ingest). An entry is its lines already: what is left, the copy that joins a batch's
     * entries into the insert's bytes, is not in this stage.
     */
    writer: (rows: Buffered) => ('lines' in rows ? rows.lines.length : encodeLogs(rows, LOG_FORMAT).length),
  };
}

type Stages = Awaited<ReturnType<typeof stagesOf>>;
/** What the writer buffers of one request: rows before entries (main), an entry after. */
type Buffered = Parameters<typeof StoreFormat.encodeLogs>[0] | { lines: string | Uint8Array };
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/**
 * CPU ns per log of each stage, body by body: each stage takes what the one before made of the
 * same body, so what a stage allocates is collected in its own time, as in the service.
 */
async function pass(s: Stages): Promise<Record<string, number>> {
  const micros: Record<string, number> = {};
  const time = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const start = cpuMicros();
    const result = await f();
    micros[name] = (micros[name] ?? 0) + cpuMicros() - start;
    return result;
  };
  for (let i = 0; i < payloads.length; i++) {
    const parsed = await time('worker: parse (UTF-8 check, JSON.parse)', () => s.parse(i));
    const validated = await time('worker: validate (with line fields)', () => s.validate(parsed));
    const classified = await time('worker: row ids and match', () => s.match(validated));
    const encoded = await time('worker: insert lines', () => s.encode(classified));
    await time('worker: WAL record (head, UTF-8, CRC-32)', () => s.record(encoded));
    const answer = await time('worker: whole job (prepareBody)', () => s.worker(i));
    const cloned = await time('across: structured clone of the answer', () => s.clone(answer));
    const rows = await time('main: answer into rows (route.ts)', () => s.route(cloned));
    await time("main: writer's batch text (encodeLogs)", () => s.writer(rows));
  }
  const out: Record<string, number> = {};
  for (const [name, us] of Object.entries(micros)) out[name] = (us * 1000) / logCount;
  return out;
}

const sides: Array<{ name: string; stages: Stages }> = [
  { name: 'this checkout', stages: await stagesOf(ROOT) },
];
if (values['baseline-root'] !== undefined) {
  sides.unshift({ name: 'baseline', stages: await stagesOf(path.resolve(values['baseline-root'])) });
}
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`${payloads.length} bodies of ${batch} logs, ${templates.length} templates`);
for (const side of sides) await pass(side.stages); // warm up
const results = sides.map(() => [] as Record<string, number>[]);
for (let r = 0; r < rounds; r++) {
  // Order reversed every other round, so neither side always runs after the other's garbage.
  const order = r % 2 === 0 ? sides.map((_, i) => i) : sides.map((_, i) => i).reverse();
  for (const i of order) results[i]!.push(await pass(sides[i]!.stages));
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

const report = new Report('batch-stages');
const names = Object.keys(results[0]![0]!);
for (const name of names) {
  const medians = results.map((runs) => spread(runs.map((run) => run[name]!)).median);
  const mine = medians[medians.length - 1]!;
  const base = medians.length > 1 ? medians[0]! : null;
  report.add({
    case: name,
    value: mine,
    peer: base,
    unit: 'ns/log',
    note: base === null ? '' : 'peer: the baseline checkout, same bodies, alternating rounds',
  });
}
report.emit(values.json);
