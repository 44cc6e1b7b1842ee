// Replays one log through the service's real match and generate stages, wired as
// src/roles/standalone.ts wires them, minus HTTP and storage: the matched channel, which
// feeds the ClickHouse writer there, records here which template id each line was stored
// with, and the templates channel gives each id's text at the end of the run.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.ts';
import { startGenerate, type GenerateStats, type TemplateGenerator } from '../../src/generate/index.ts';
import { createLogger } from '../../src/logger.ts';
import { startMatch } from '../../src/match/stage.ts';
import { NO_TEMPLATE, type LogRecord, type StoredLog } from '../../src/model/log.ts';
import type { TemplateChange } from '../../src/model/template-change.ts';
import { InProcessChannel } from '../../src/transport/in-process.ts';
import type { ParsedLine } from '../metrics.ts';

export interface ReplayOptions {
  /** Lines per route() call: one ingest request's worth. */
  chunk: number;
  org?: string;
  /** Generation batches in flight at once (the service's LLM_MAX_CONCURRENT_BATCHES, 5 by default). */
  maxConcurrentBatches?: number;
}

export interface Replay {
  /** Per input line: the template id it was stored with (0 = none). */
  templateIds: number[];
  /** Per template id: its text at the end of the run (the last upsert). */
  texts: Map<number, string>;
  generate: GenerateStats;
  /** Lines never stored, and lines stored more than once: both must be 0. */
  lost: number;
  duplicated: number;
  /** Times a request would have got 503 because the held-log ceiling was reached. */
  refused: number;
}

/** The line's position travels in metadata, which every stage copies unchanged. */
const LINE_KEY = 'bench_line';

export async function replay(
  messages: readonly string[],
  generator: TemplateGenerator,
  options: ReplayOptions,
): Promise<Replay> {
  const config = loadConfig({});
  const org = options.org ?? 'bench';
  const logger = createLogger('silent');
  const channels = {
    matched: new InProcessChannel<StoredLog>('matched'),
    unmatched: new InProcessChannel<LogRecord>('unmatched'),
    templates: new InProcessChannel<TemplateChange>('templates'),
  };

  const templateIds: number[] = [];
  const seen = new Array<number>(messages.length).fill(0);
  let duplicated = 0;
  channels.matched.subscribe((rows) => {
    for (const row of rows) {
      const k = Number(row.metadata[LINE_KEY]);
      if ((seen[k] = (seen[k] ?? 0) + 1) > 1) duplicated++;
      templateIds[k] = row.templateId;
    }
  });
  const texts = new Map<number, string>();
  channels.templates.subscribe((changes) => {
    for (const change of changes) {
      if (change.kind === 'upsert') texts.set(change.template.id, change.template.text);
      else if (change.kind === 'delete') texts.delete(change.id);
    }
  });

  const match = startMatch({ channels, initial: [], logger: logger.child({ stage: 'match' }) });
  generator.seed([]);
  const generate = startGenerate(
    {
      ...config.generate,
      maxConcurrentBatches: options.maxConcurrentBatches ?? config.llm.maxConcurrentBatches,
    },
    {
      generator,
      channels,
      saveTemplates: () => {},
      initial: [],
      logger: logger.child({ stage: 'generate' }),
    },
  );

  let refused = 0;
  const start = Date.now();
  for (let from = 0; from < messages.length; from += options.chunk) {
    // A client refused with 503 retries after a while; the ceiling is far above 2,000 lines.
    while (!generate.hasRoom()) {
      refused++;
      await sleep(10);
    }
    const logs: LogRecord[] = [];
    for (let k = from; k < Math.min(from + options.chunk, messages.length); k++) {
      logs.push({
        timestamp: start + k,
        org,
        dashboard: '',
        service: '',
        host: '',
        level: 'INFO',
        message: messages[k] as string,
        metadata: { [LINE_KEY]: String(k) },
      });
    }
    match.route(logs);
    // Requests arrive as separate events: timers that fell due in between (a batch of held
    // lines ready for the generator) run before the next one. This does not wait for the
    // generator: lines arriving while their template is generated are held, as in the service.
    await sleep(0);
  }
  await generate.stop(Date.now() + 10 * 60_000);
  match.stop();

  const lost = seen.filter((count) => count === 0).length;
  return { templateIds, texts, generate: generate.stats(), lost, duplicated, refused };
}

/**
 * What each line ended up with, as the metrics see it: its template id's final text, or,
 * for a line stored without a template (id 0) or never stored, a group of its own with the
 * raw message as its template.
 */
export function parsedLines(messages: readonly string[], result: Replay): ParsedLine[] {
  return messages.map((message, k) => {
    const id = result.templateIds[k] ?? NO_TEMPLATE;
    const text = id === NO_TEMPLATE ? undefined : result.texts.get(id);
    if (text === undefined) return { group: `line:${k}`, template: message };
    return { group: `template:${id}`, template: text };
  });
}
