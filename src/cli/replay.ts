/**
 * `npm run replay -- [options]`: re-matches a range of logs.raw with today's templates and
 * replaces the stored rows (src/transport/kafka/replay.ts explains why that stores nothing twice).
 * Progress on stderr, the summary on stdout (JSON with --json).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { parseIsoTimestamp } from '../ingest/timestamp.ts';
import { chooseLogFormat, createLogger } from '../logger.ts';
import { replay, type Position, type ReplayProgress } from '../transport/kafka/replay.ts';

const USAGE = `usage: npm run replay -- [--topic T] [--partition N]... [--from-offset N | --from-time T]
                             [--to-offset N | --to-time T] [--json]
  Re-matches logs of a topic (default KAFKA_TOPIC_RAW) with the current templates and replaces
  their stored rows. T: ISO 8601 or epoch milliseconds. Default range: all that the topic holds.
  With the embedded store (no CLICKHOUSE_URL), stop the writer first: one process owns DATA_DIR.`;

function position(offset: string | undefined, time: string | undefined, name: string): Position | undefined {
  if (offset !== undefined && time !== undefined)
    throw new UsageError(`give --${name}-offset or --${name}-time, not both`);
  if (offset !== undefined) {
    if (!/^\d+$/.test(offset)) throw new UsageError(`--${name}-offset must be a non-negative integer`);
    return { offset: BigInt(offset) };
  }
  if (time !== undefined) {
    const ms = /^\d+$/.test(time) ? Number(time) : parseIsoTimestamp(time);
    if (ms === undefined) throw new UsageError(`--${name}-time must be ISO 8601 or epoch milliseconds`);
    return { timestamp: ms };
  }
  return undefined;
}

class UsageError extends Error {}

/** `[########------------]  40%  20,000/50,000  matched 19,500  3,100/s` on one line. */
function progressBar(started: number): (p: ReplayProgress) => void {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  return (p) => {
    const share = p.total === 0 ? 1 : p.done / p.total;
    const width = 24;
    const filled = Math.round(share * width);
    const rate = Math.round(p.done / Math.max(0.001, (Date.now() - started) / 1000));
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ` +
      `${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')}  matched ${p.matched.toLocaleString('en')}  ` +
      `${rate.toLocaleString('en')}/s`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (Math.floor(share * 10) > lastDecile) {
      // Not a terminal (a CI log): a line per tenth instead of redrawing one.
      lastDecile = Math.floor(share * 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topic: { type: 'string' },
      partition: { type: 'string', multiple: true },
      'from-offset': { type: 'string' },
      'from-time': { type: 'string' },
      'to-offset': { type: 'string' },
      'to-time': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const partitions = values.partition
    ?.flatMap((p) => p.split(','))
    .map((p) => {
      if (!/^\d+$/.test(p)) throw new UsageError(`--partition must be a partition number, got ${p}`);
      return Number(p);
    });
  const from = position(values['from-offset'], values['from-time'], 'from');
  const to = position(values['to-offset'], values['to-time'], 'to');
  const config = loadConfig();
  const logger = createLogger(
    config.logLevel,
    undefined,
    chooseLogFormat(config.logFormat, process.stdout.isTTY === true),
  );
  const started = Date.now();
  const summary = await replay(config, logger, {
    ...(values.topic === undefined ? {} : { topic: values.topic }),
    ...(partitions === undefined ? {} : { partitions }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    onProgress: progressBar(started),
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (values.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const n = (x: number) => x.toLocaleString('en');
  process.stdout.write(
    [
      `replayed ${summary.topic}: ${summary.ranges.map((r) => `p${r.partition} [${r.from}, ${r.to})`).join(', ')}`,
      `  records      ${n(summary.done)}`,
      `  matched      ${n(summary.matched)} (with ${n(summary.templates)} templates)`,
      `  unmatched    ${n(summary.unmatched)} (stored without a template)`,
      `  undecodable  ${n(summary.undecodable)} (skipped; see the dead-letter topic)`,
      `  rows         ${n(summary.rowsReplaced)} written, each replacing the row with its id`,
      `  time         ${summary.seconds.toFixed(1)} s`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`replay: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
