// Template accuracy on LogHub-2k through the real pipeline (`npm run bench:accuracy`): each
// dataset's raw log is cut into messages with settings.json's log_format, sent in file
// order, a request's worth at a time, through the match and generate stages, and every line
// is scored with the template it was stored with at the end of the run (GA, PA, FGA, FTA as
// the data's README defines them), beside Drain3 on the same files: run by the benchmark
// itself in the same run with --peer drain3, else its published figures. docs/accuracy.md has
// the results and the command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listDatasets, readDatasetFrom, readSettings, type Dataset } from './accuracy/dataset.ts';
import { generatorFactory, GENERATOR_NAMES, NOISE_SEED, UsageError } from './accuracy/generators.ts';
import { noiseReport, type NoiseReport } from './accuracy/noise-report.ts';
import { NOISE_MIX, type NoiseKind } from './accuracy/stand-ins.ts';
import { predictionsCsv } from './accuracy/predictions.ts';
import { DRAIN3, type PublishedScore } from './accuracy/published.ts';
import {
  DRAIN3_VERSION,
  drain3Parsed,
  drain3Settings,
  ensureDrain3,
  runDrain3,
} from './accuracy/peer-drain3.ts';
import { parsedLines, replay, type Replay } from './accuracy/replay.ts';
import { candidates, folds, scoreAll } from './accuracy/leave-one-out.ts';
import {
  leaveOneOutJson,
  printLeaveOneOut,
  type KindReport,
  type PeerScores,
} from './accuracy/leave-one-out-report.ts';
import { parseChoices } from './accuracy/choices-option.ts';
import { LOGHUB_DIR } from './loghub.ts';
import type { MinerChoices } from '../src/generate/builtin/index.ts';
import { loadConfig } from '../src/config.ts';
import type { LlmStats } from '../src/generate/index.ts';
import { accuracy, type Accuracy, type ParsedLine } from './metrics.ts';
import { messagePart } from './accuracy/raw-score.ts';

const USAGE = `npm run bench:accuracy -- [options]
  --data DIR          folder in the layout of LogHub-2k (default ${LOGHUB_DIR})
  --generator NAME    ${GENERATOR_NAMES.join('|')} (default builtin; openai and ollama not yet)
  --datasets A,B      only these systems (default: every system in DIR)
  --chunk N           lines per request (default 100)
  --concurrency N     generation batches in flight at once (default 5, LLM_MAX_CONCURRENT_BATCHES's default)
  --noise-seed N      noisy only: the stand-in's seed (default ${NOISE_SEED}); other seeds damage other answers
  --json FILE         write the scores as JSON ("calls": model requests for oracle and
                      noisy, retries included; generator batches for builtin)
  --predictions DIR   write <System>_predictions.csv (LineId,EventTemplate) per dataset
  --raw               builtin only: send each whole line, header included, as its message (as a
                      user's shipper does); each template's message part (bench/accuracy/raw-score.ts)
                      is scored against the truth
  --leave-one-out     builtin only: every setting of the miner's choices on every system, messages and
                      whole lines both, then each system scored on each with the one setting best on
                      the others over both kinds (and, beside it, with the best on that kind alone)
  --choices K=V,...   builtin only: the miner's choices (src/generate/builtin/choices.ts) changed from
                      the service's defaults for this run, e.g. similarity=0.8,sizeCollapse=true
  --peer drain3       run Drain3 ${DRAIN3_VERSION} (PyPI, in .bench/venv, installed on first use) on the
                      same lines in this run and score it beside ours (default: its published figures)
  --help`;

interface Options {
  data: string;
  generator: string;
  datasets: string[] | undefined;
  chunk: number;
  concurrency: number;
  noiseSeed: number;
  json: string | undefined;
  predictions: string | undefined;
  peer: 'drain3' | undefined;
  leaveOneOut: boolean;
  raw: boolean;
  /** The built-in miner's choices changed from the defaults (`--choices`). */
  choices: Partial<MinerChoices> | undefined;
}

/** Drain3 run in this run on the same lines. */
interface PeerResult {
  version: string;
  score: Accuracy;
  /** Distinct final templates. */
  templates: number;
  /** Drain3's own time for the lines (masking and training). */
  seconds: number;
}

interface DatasetResult {
  dataset: Dataset;
  run: Replay;
  score: Accuracy;
  templates: number;
  /** Lines stored with an id whose text never came on the templates channel: must be 0. */
  unknownIds: number;
  seconds: number;
  /** Model requests (retries included) for an LLM generator, generator batches for builtin. */
  calls: number;
  /** An LLM generator's counters at the end of the run. */
  llm: LlmStats | undefined;
  /** The noisy stand-in's damaged answers and what became of them. */
  noise: NoiseReport | undefined;
  truthConflicts: number;
  peer?: PeerResult;
}

const METRICS = ['GA', 'PA', 'FGA', 'FTA'] as const;

/** Noise kinds whose answer is a (damaged) template, as opposed to an error or garbage. */
const TEMPLATE_KINDS: ReadonlySet<NoiseKind> = new Set([
  'constant-to-variable',
  'variable-to-constant',
  'too-general',
]);

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      generator: { type: 'string', default: 'builtin' },
      datasets: { type: 'string' },
      chunk: { type: 'string', default: '100' },
      concurrency: { type: 'string' },
      'noise-seed': { type: 'string' },
      json: { type: 'string' },
      predictions: { type: 'string' },
      peer: { type: 'string' },
      'leave-one-out': { type: 'boolean', default: false },
      raw: { type: 'boolean', default: false },
      choices: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const chunk = Number(values.chunk);
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw new UsageError(`--chunk must be a positive integer, got ${JSON.stringify(values.chunk)}`);
  }
  const concurrency = Number(values.concurrency ?? loadConfig({}).llm.maxConcurrentBatches);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(
      `--concurrency must be a positive integer, got ${JSON.stringify(values.concurrency)}`,
    );
  }
  const noiseSeed = Number(values['noise-seed'] ?? NOISE_SEED);
  if (!Number.isInteger(noiseSeed) || noiseSeed < 0 || noiseSeed > 0xffff_ffff) {
    throw new UsageError(
      `--noise-seed must be an integer from 0 to 4294967295, got ${JSON.stringify(values['noise-seed'])}`,
    );
  }
  if (values['noise-seed'] !== undefined && values.generator !== 'noisy') {
    throw new UsageError('--noise-seed seeds the noisy stand-in: it needs --generator noisy');
  }
  if (values.peer !== undefined && values.peer !== 'drain3') {
    throw new UsageError(`--peer: only drain3 is known, got ${JSON.stringify(values.peer)}`);
  }
  if (values['leave-one-out'] && values.generator !== 'builtin') {
    throw new UsageError('--leave-one-out varies the built-in miner: it needs --generator builtin');
  }
  if (values.choices !== undefined && (values.generator !== 'builtin' || values['leave-one-out'])) {
    // Leave-one-out varies the choices itself, around the service's defaults.
    throw new UsageError(
      '--choices sets the built-in miner of a plain run: --generator builtin, no --leave-one-out',
    );
  }
  if (values['leave-one-out'] && values.raw) {
    throw new UsageError('--leave-one-out runs messages and whole lines both: drop --raw');
  }
  if (values.raw && values.generator !== 'builtin') {
    // The stand-ins answer the truth of a message cut from its line; a whole line has none.
    throw new UsageError('--raw needs --generator builtin');
  }
  const datasets = values.datasets
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    data: resolve(values.data ?? LOGHUB_DIR),
    generator: values.generator,
    datasets,
    chunk,
    concurrency,
    noiseSeed,
    json: values.json,
    predictions: values.predictions,
    peer: values.peer,
    leaveOneOut: values['leave-one-out'],
    raw: values.raw,
    choices: values.choices === undefined ? undefined : parseChoices(values.choices),
  };
}

async function runDataset(options: Options, dataset: Dataset): Promise<DatasetResult> {
  const bench = await generatorFactory(options.generator)({
    dataset: dataset.name,
    lines: dataset.lines,
    noiseSeed: options.noiseSeed,
    ...(options.choices === undefined ? {} : { choices: options.choices }),
  });
  try {
    const messages = messagesOf(options, dataset);
    const started = process.hrtime.bigint();
    const run = await replay(messages, bench.generator, {
      chunk: options.chunk,
      org: dataset.name,
      maxConcurrentBatches: options.concurrency,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const parsed = scoredAs(options, dataset, parsedLines(messages, run));
    const score = accuracy(
      dataset.lines.map((line) => line.truth),
      parsed,
    );
    const unknownIds = run.templateIds.filter((id) => id !== 0 && !run.texts.has(id)).length;
    if (options.predictions !== undefined) {
      const rows = dataset.lines.map((line, k) => ({
        lineId: line.lineId,
        template: parsed[k]?.template ?? '',
      }));
      writeFileSync(join(options.predictions, `${dataset.name}_predictions.csv`), predictionsCsv(rows));
    }
    const llm = bench.llmStats?.();
    return {
      dataset,
      run,
      score,
      templates: run.texts.size,
      unknownIds,
      seconds,
      calls: llm?.calls ?? run.generate.batches,
      llm,
      noise: bench.noise === undefined ? undefined : noiseReport(dataset.name, bench.noise, run.texts),
      truthConflicts: bench.truthConflicts ?? 0,
    };
  } finally {
    await bench.close();
  }
}

/** What is sent: the message cut from each line, or with --raw the whole line. */
function messagesOf(options: Pick<Options, 'raw'>, dataset: Dataset): string[] {
  return dataset.lines.map((line) => (options.raw ? line.raw : line.content));
}

/** With --raw, each template's message part is what the truth is compared with (raw-score.ts). */
function scoredAs(options: Pick<Options, 'raw'>, dataset: Dataset, parsed: ParsedLine[]): ParsedLine[] {
  if (!options.raw) return parsed;
  return parsed.map((line, k) => {
    const { raw, content } = dataset.lines[k] ?? { raw: '', content: '' };
    return { group: line.group, template: messagePart(line.template, raw, content) };
  });
}

async function runPeer(
  options: Pick<Options, 'raw'>,
  python: string,
  dataset: Dataset,
  settings: ReturnType<typeof drain3Settings>,
): Promise<PeerResult> {
  const output = await runDrain3(python, messagesOf(options, dataset), settings);
  const score = accuracy(
    dataset.lines.map((line) => line.truth),
    scoredAs(options, dataset, drain3Parsed(output)),
  );
  return {
    version: output.version,
    score,
    templates: new Set(output.templates).size,
    seconds: output.seconds,
  };
}

const fixed = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(3));

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

const perThousand = (calls: number, lines: number): string => ((calls / lines) * 1000).toFixed(1);

function printTables(generator: string, results: readonly DatasetResult[], raw: boolean): void {
  const llm = results.some((r) => r.llm !== undefined);
  const callsMeaning = llm ? 'model requests, retries included' : 'generator batches';
  const ran = results.every((r) => r.peer !== undefined);
  const peerSource = ran
    ? `Drain3 ${results[0]?.peer?.version ?? DRAIN3_VERSION} run now on the same lines, scored here`
    : 'Drain3 published: PUBLISHED.md, same files, not run now (--peer drain3 runs it)';
  const peerLabel = ran ? 'Drain3' : 'Drain3 (published)';
  console.log(
    `\nTemplate accuracy, generator ${generator}${raw ? ', whole lines (--raw)' : ''} (${peerSource}; calls: ${callsMeaning})\n`,
  );
  const peerHeads = METRICS.map((m) => `${peerLabel} ${m}`).join(' | ');
  const speedHeads = ran ? ' | lines/s | Drain3 templates | Drain3 lines/s' : '';
  console.log(
    `| dataset | GA | PA | FGA | FTA | ${peerHeads} | templates (truth) | calls | calls / 1k lines | calls / truth template | accepted / rejected | time (s)${speedHeads} |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|${ran ? '---|---|---|' : ''}`);
  const verdicts = (r: DatasetResult): string =>
    r.llm === undefined ? '–' : `${r.llm.proposalsAccepted} / ${r.llm.proposalsRejected}`;
  const peerScore = (r: DatasetResult): Partial<PublishedScore> =>
    ran ? (r.peer?.score ?? {}) : (DRAIN3[r.dataset.name] ?? {});
  const rate = (lines: number, seconds: number): string =>
    Math.round(lines / seconds).toLocaleString('en-US');
  for (const r of results) {
    const { dataset, score, templates, seconds, calls, peer } = r;
    const drain = peerScore(r);
    const speeds =
      peer === undefined
        ? ''
        : ` | ${rate(dataset.lines.length, seconds)} | ${peer.templates} | ${rate(dataset.lines.length, peer.seconds)}`;
    console.log(
      `| ${dataset.name} | ${METRICS.map((m) => fixed(score[m])).join(' | ')} | ` +
        `${METRICS.map((m) => fixed(drain[m])).join(' | ')} | ${templates} (${score.truthTemplates}) | ` +
        `${calls} | ${perThousand(calls, dataset.lines.length)} | ${(calls / score.truthTemplates).toFixed(2)} | ` +
        `${verdicts(r)} | ${seconds.toFixed(2)}${speeds} |`,
    );
  }
  const ours = METRICS.map((m) => fixed(mean(results.map((r) => r.score[m]))));
  const drains = results.map(peerScore);
  const peer = METRICS.map((m) => {
    const values = drains.map((d) => d[m]);
    return values.every((v) => v !== undefined) ? fixed(mean(values)) : '–';
  });
  const sum = (f: (r: DatasetResult) => number): number => results.reduce((total, r) => total + f(r), 0);
  const calls = sum((r) => r.calls);
  const lines = sum((r) => r.dataset.lines.length);
  const truthTemplates = sum((r) => r.score.truthTemplates);
  const seconds = sum((r) => r.seconds);
  const allVerdicts = llm
    ? `${sum((r) => r.llm?.proposalsAccepted ?? 0)} / ${sum((r) => r.llm?.proposalsRejected ?? 0)}`
    : '–';
  const peerSeconds = sum((r) => r.peer?.seconds ?? 0);
  const speeds = ran ? ` | ${rate(lines, seconds)} | | ${rate(lines, peerSeconds)}` : '';
  console.log(
    `| average (${results.length}) | ${ours.join(' | ')} | ${peer.join(' | ')} | | ${calls} in all | ` +
      `${perThousand(calls, lines)} | ${(calls / truthTemplates).toFixed(2)} | ${allVerdicts} | ${seconds.toFixed(2)} in all${speeds} |`,
  );

  if (ran) {
    console.log(
      '\nDrain3 run now against its published figures (PUBLISHED.md; Δ = run − published, blank when equal at 3 decimals)\n',
    );
    console.log(`| dataset | ${METRICS.map((m) => `run ${m} | published ${m} | Δ`).join(' | ')} |`);
    console.log(`|---|${METRICS.map(() => '---|---|---|').join('')}`);
    const row = (name: string, got: Partial<PublishedScore>, want: Partial<PublishedScore>): string => {
      const cells = METRICS.map((m) => {
        const a = got[m];
        const b = want[m];
        const delta = a === undefined || b === undefined || fixed(a) === fixed(b) ? '' : (a - b).toFixed(3);
        return `${fixed(a)} | ${fixed(b)} | ${delta}`;
      });
      return `| ${name} | ${cells.join(' | ')} |`;
    };
    for (const r of results)
      console.log(row(r.dataset.name, r.peer?.score ?? {}, DRAIN3[r.dataset.name] ?? {}));
    const published = results.map((r) => DRAIN3[r.dataset.name]);
    const averageOf = (scores: ReadonlyArray<Partial<PublishedScore> | undefined>): Partial<PublishedScore> =>
      Object.fromEntries(
        METRICS.flatMap((m) => {
          const values = scores.map((s) => s?.[m]);
          return values.every((v) => v !== undefined) ? [[m, mean(values)]] : [];
        }),
      );
    console.log(
      row(`average (${results.length})`, averageOf(results.map((r) => r.peer?.score)), averageOf(published)),
    );
  }

  if (llm) {
    console.log('\nLLM generator (LlmGenerator.stats(); unmatched lines = lines asked about)\n');
    console.log(
      '| dataset | calls | retries | failed groups | groups | lines asked | calls / 1k lines asked | tokens in / out | lines to the miner | truth conflicts |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const { dataset, llm: stats, truthConflicts } of results) {
      if (stats === undefined) continue;
      console.log(
        `| ${dataset.name} | ${stats.calls} | ${stats.retries} | ${stats.failures} | ${stats.groups} | ${stats.linesAsked} | ` +
          `${stats.linesAsked === 0 ? '–' : perThousand(stats.calls, stats.linesAsked)} | ${stats.tokensIn} / ${stats.tokensOut} | ` +
          `${stats.fallbackLines} | ${truthConflicts} |`,
      );
    }
  }

  if (results.some((r) => r.noise !== undefined)) {
    const kinds = NOISE_MIX.map(([kind]) => kind);
    console.log(
      '\nNoisy answers: sent per kind (damaged templates among the final ones in brackets); ' +
        'failing = distinct damaged templates that failed the checks on every request they were sent for, and how many of them are in use (must be 0)\n',
    );
    console.log(`| dataset | ${kinds.join(' | ')} | failing / in use |`);
    console.log(`|---|${kinds.map(() => '---|').join('')}---|`);
    for (const { dataset, noise } of results) {
      if (noise === undefined) continue;
      const cells = kinds.map((kind) =>
        kind === 'correct' || noise.sent[kind] === 0 || !TEMPLATE_KINDS.has(kind)
          ? String(noise.sent[kind])
          : `${noise.sent[kind]} (${noise.inUse[kind]})`,
      );
      console.log(`| ${dataset.name} | ${cells.join(' | ')} | ${noise.failing} / ${noise.failingInUse} |`);
    }
  }

  console.log('\nPipeline checks (lost and duplicated lines, unknown template ids: must be 0)\n');
  console.log(
    '| dataset | format misses | Content ≠ CSV | stored without template | templates refused (no constant text) | held lines retried | matched after generation | parsed groups | lost / duplicated / unknown id |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const { dataset, run, score, unknownIds } of results) {
    const g = run.generate;
    console.log(
      `| ${dataset.name} | ${dataset.formatMisses} | ${dataset.contentMismatches} | ${g.storedWithoutTemplate} | ` +
        `${g.rejectedNoConstantText} | ${g.retries} | ${g.matchedAfterGeneration} | ${score.parsedGroups} | ${run.lost} / ${run.duplicated} / ${unknownIds} |`,
    );
  }
  for (const { dataset } of results) {
    for (const sample of dataset.mismatchSamples) {
      console.log(
        `\n${dataset.name} LineId ${sample.lineId}: Content cut from the log differs from the CSV's\n` +
          `  log: ${JSON.stringify(sample.raw)}\n  csv: ${JSON.stringify(sample.csv)}`,
      );
    }
  }
}

function toJson(generator: string, results: readonly DatasetResult[]): unknown {
  const round = (value: number): number => Math.round(value * 1e6) / 1e6;
  const pick = (score: Record<(typeof METRICS)[number], number>) =>
    Object.fromEntries(METRICS.map((m) => [m, round(score[m])]));
  return {
    generator,
    datasets: Object.fromEntries(
      results.map((r) => [r.dataset.name, { ...pick(r.score), templates: r.templates, calls: r.calls }]),
    ),
    average: Object.fromEntries(METRICS.map((m) => [m, round(mean(results.map((r) => r.score[m])))])),
    ...(results.every((r) => r.peer !== undefined) && results.length > 0
      ? {
          peer: {
            name: 'drain3',
            version: results[0]?.peer?.version,
            datasets: Object.fromEntries(
              results.map((r) => {
                const peer = r.peer as PeerResult;
                return [
                  r.dataset.name,
                  { ...pick(peer.score), templates: peer.templates, seconds: round(peer.seconds) },
                ];
              }),
            ),
            average: Object.fromEntries(
              METRICS.map((m) => [m, round(mean(results.map((r) => (r.peer as PeerResult).score[m])))]),
            ),
          },
        }
      : {}),
  };
}

/**
 * `--leave-one-out` (bench/accuracy/leave-one-out.ts), on messages and on whole lines: one pick
 * per held-out system for both, and the pick on each kind alone beside it; exits 0, the tables
 * are the result.
 */
async function leaveOneOut(
  options: Options,
  names: readonly string[],
  settings: ReturnType<typeof readSettings>,
  peerSettings: ReadonlyMap<string, ReturnType<typeof drain3Settings>>,
  python: string | undefined,
): Promise<number> {
  const datasets = names.map((name) => readDatasetFrom(options.data, name, settings));
  const settingsList = candidates();
  const kinds = [
    { raw: false, input: 'messages cut with settings.json' },
    { raw: true, input: 'whole lines (as with --raw)' },
  ];
  const scores: Accuracy[][][] = [];
  const peers: PeerScores[] = [];
  for (const kind of kinds) {
    const systems = datasets.map((dataset) => ({
      name: dataset.name,
      messages: messagesOf(kind, dataset),
      truth: dataset.lines.map((line) => line.truth),
      scoredAs: (parsed: ParsedLine[]) => scoredAs(kind, dataset, parsed),
    }));
    scores.push(
      await scoreAll(systems, settingsList, options.chunk, (done, total) => {
        if (done % 10 === 0 || done === total) {
          console.error(`leave-one-out, ${kind.input}: ${done} / ${total} settings run`);
        }
      }),
    );
    const bySystem = new Map<string, Partial<PublishedScore>>();
    for (const dataset of datasets) {
      const peerSetting = peerSettings.get(dataset.name);
      if (python !== undefined && peerSetting !== undefined) {
        bySystem.set(dataset.name, (await runPeer(kind, python, dataset, peerSetting)).score);
      } else if (!kind.raw) {
        bySystem.set(dataset.name, DRAIN3[dataset.name] ?? {});
      }
    }
    // Drain3 was published on messages only: whole lines have no published figures.
    const peerName = python !== undefined ? 'Drain3' : kind.raw ? 'Drain3 (not run)' : 'Drain3 (published)';
    peers.push({ name: peerName, bySystem });
  }
  const joint = folds(names, settingsList, scores);
  const reports: KindReport[] = kinds.map((kind, k) => ({
    input: kind.input,
    peer: peers[k] ?? { name: 'Drain3', bySystem: new Map() },
    alone: folds(names, settingsList, [scores[k] ?? []]),
  }));
  printLeaveOneOut(joint, reports, settingsList.length);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(leaveOneOutJson(joint, reports), null, 2)}\n`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options === undefined) {
    console.log(USAGE);
    return 0;
  }
  generatorFactory(options.generator); // an unavailable generator fails before any data is read
  let available: string[];
  let settings: ReturnType<typeof readSettings>;
  try {
    available = listDatasets(options.data);
    settings = readSettings(options.data);
  } catch (error) {
    console.error(`cannot read LogHub-2k from ${options.data} (--data or LOGHUB_DIR): ${String(error)}`);
    return 1;
  }
  const names = options.datasets ?? available;
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `--datasets: ${unknown.join(', ')} not in ${options.data} (has ${available.join(', ')})`,
    );
  }
  if (names.length === 0) throw new UsageError(`no datasets in ${options.data}`);
  if (options.predictions !== undefined) mkdirSync(options.predictions, { recursive: true });
  const peerSettings = new Map(
    options.peer === undefined ? [] : names.map((name) => [name, drain3Settings(name, settings[name])]),
  );
  const python = options.peer === undefined ? undefined : ensureDrain3();

  if (options.leaveOneOut) return leaveOneOut(options, names, settings, peerSettings, python);

  const results: DatasetResult[] = [];
  for (const name of names) {
    const dataset = readDatasetFrom(options.data, name, settings);
    const result = await runDataset(options, dataset);
    results.push(result);
    const { GA, PA, FGA, FTA } = result.score;
    console.error(
      `${name}: GA ${fixed(GA)} PA ${fixed(PA)} FGA ${fixed(FGA)} FTA ${fixed(FTA)} in ${result.seconds.toFixed(2)} s`,
    );
    const peerSetting = peerSettings.get(name);
    if (python !== undefined && peerSetting !== undefined) {
      result.peer = await runPeer(options, python, dataset, peerSetting);
      const p = result.peer.score;
      console.error(
        `${name} Drain3: GA ${fixed(p.GA)} PA ${fixed(p.PA)} FGA ${fixed(p.FGA)} FTA ${fixed(p.FTA)} in ${result.peer.seconds.toFixed(2)} s`,
      );
    }
  }
  printTables(options.generator, results, options.raw);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(toJson(options.generator, results), null, 2)}\n`);
  }
  const broken = results.filter(
    (r) => r.run.lost + r.run.duplicated + r.unknownIds + (r.noise?.failingInUse ?? 0) > 0,
  );
  return broken.length > 0 ? 1 : 0;
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (error) {
    const usage =
      error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (!usage) throw error;
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    code = 2;
  }
  process.exitCode = code;
}
