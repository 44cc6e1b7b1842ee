// Template accuracy on LogHub-2k through the real pipeline (`npm run bench:accuracy`): each
// dataset's raw log is cut into messages with settings.json's log_format, sent in file
// order, a request's worth at a time, through the match and generate stages, and every line
// is scored with the template it was stored with at the end of the run (GA, PA, FGA, FTA as
// the data's README defines them), beside Drain3 on the same files. docs/accuracy.md has the
// results and the command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listDatasets, readDatasetFrom, readSettings, type Dataset } from './accuracy/dataset.ts';
import { generatorFactory, GENERATOR_NAMES, UsageError } from './accuracy/generators.ts';
import { predictionsCsv } from './accuracy/predictions.ts';
import { DRAIN3, type PublishedScore } from './accuracy/published.ts';
import { parsedLines, replay, type Replay } from './accuracy/replay.ts';
import { LOGHUB_DIR } from './loghub.ts';
import { accuracy, type Accuracy } from './metrics.ts';

const USAGE = `npm run bench:accuracy -- [options]
  --data DIR          folder in the layout of LogHub-2k (default ${LOGHUB_DIR})
  --generator NAME    ${GENERATOR_NAMES.join('|')} (default builtin; only builtin is available yet)
  --datasets A,B      only these systems (default: every system in DIR)
  --chunk N           lines per request (default 100)
  --json FILE         write the scores as JSON
  --predictions DIR   write <System>_predictions.csv (LineId,EventTemplate) per dataset
  --help`;

interface Options {
  data: string;
  generator: string;
  datasets: string[] | undefined;
  chunk: number;
  json: string | undefined;
  predictions: string | undefined;
}

interface DatasetResult {
  dataset: Dataset;
  run: Replay;
  score: Accuracy;
  templates: number;
  /** Lines stored with an id whose text never came on the templates channel: must be 0. */
  unknownIds: number;
  seconds: number;
}

const METRICS = ['GA', 'PA', 'FGA', 'FTA'] as const;

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      generator: { type: 'string', default: 'builtin' },
      datasets: { type: 'string' },
      chunk: { type: 'string', default: '100' },
      json: { type: 'string' },
      predictions: { type: 'string' },
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
  const datasets = values.datasets
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    data: resolve(values.data ?? LOGHUB_DIR),
    generator: values.generator,
    datasets,
    chunk,
    json: values.json,
    predictions: values.predictions,
  };
}

async function runDataset(options: Options, dataset: Dataset): Promise<DatasetResult> {
  const { generator, close } = await generatorFactory(options.generator)({
    dataset: dataset.name,
    lines: dataset.lines,
  });
  try {
    const messages = dataset.lines.map((line) => line.content);
    const started = process.hrtime.bigint();
    const run = await replay(messages, generator, { chunk: options.chunk, org: dataset.name });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const parsed = parsedLines(messages, run);
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
    return { dataset, run, score, templates: run.texts.size, unknownIds, seconds };
  } finally {
    await close();
  }
}

const fixed = (value: number | undefined): string => (value === undefined ? '–' : value.toFixed(3));

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function printTables(generator: string, results: readonly DatasetResult[]): void {
  console.log(`\nTemplate accuracy, generator ${generator} (Drain3: PUBLISHED.md, same files)\n`);
  console.log(
    '| dataset | GA | PA | FGA | FTA | Drain3 GA | Drain3 PA | Drain3 FGA | Drain3 FTA | templates (truth) | generator calls | time (s) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { dataset, run, score, templates, seconds } of results) {
    const drain: Partial<PublishedScore> = DRAIN3[dataset.name] ?? {};
    console.log(
      `| ${dataset.name} | ${METRICS.map((m) => fixed(score[m])).join(' | ')} | ` +
        `${METRICS.map((m) => fixed(drain[m])).join(' | ')} | ${templates} (${score.truthTemplates}) | ` +
        `${run.generate.batches} | ${seconds.toFixed(2)} |`,
    );
  }
  const ours = METRICS.map((m) => fixed(mean(results.map((r) => r.score[m]))));
  const drains = results.map((r) => DRAIN3[r.dataset.name]);
  const peer = METRICS.map((m) =>
    drains.every((d) => d !== undefined) ? fixed(mean(drains.map((d) => d[m]))) : '–',
  );
  const calls = results.reduce((sum, r) => sum + r.run.generate.batches, 0);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  console.log(
    `| average (${results.length}) | ${ours.join(' | ')} | ${peer.join(' | ')} | | ${calls} in all | ${seconds.toFixed(2)} in all |`,
  );

  console.log('\nPipeline checks (lost and duplicated lines, unknown template ids: must be 0)\n');
  console.log(
    '| dataset | format misses | Content ≠ CSV | stored without template | held lines retried | matched after generation | parsed groups | lost / duplicated / unknown id |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const { dataset, run, score, unknownIds } of results) {
    const g = run.generate;
    console.log(
      `| ${dataset.name} | ${dataset.formatMisses} | ${dataset.contentMismatches} | ${g.storedWithoutTemplate} | ` +
        `${g.retries} | ${g.matchedAfterGeneration} | ${score.parsedGroups} | ${run.lost} / ${run.duplicated} / ${unknownIds} |`,
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
      results.map((r) => [
        r.dataset.name,
        { ...pick(r.score), templates: r.templates, calls: r.run.generate.batches },
      ]),
    ),
    average: Object.fromEntries(METRICS.map((m) => [m, round(mean(results.map((r) => r.score[m])))])),
  };
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

  const results: DatasetResult[] = [];
  for (const name of names) {
    const result = await runDataset(options, readDatasetFrom(options.data, name, settings));
    results.push(result);
    const { GA, PA, FGA, FTA } = result.score;
    console.error(
      `${name}: GA ${fixed(GA)} PA ${fixed(PA)} FGA ${fixed(FGA)} FTA ${fixed(FTA)} in ${result.seconds.toFixed(2)} s`,
    );
  }
  printTables(options.generator, results);
  if (options.json !== undefined) {
    writeFileSync(options.json, `${JSON.stringify(toJson(options.generator, results), null, 2)}\n`);
  }
  const broken = results.filter((r) => r.run.lost + r.run.duplicated + r.unknownIds > 0);
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
