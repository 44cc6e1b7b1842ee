// A line of a known event whose value is of a kind or length its template's variable shapes had
// not seen (src/match/shapes.ts) is held and asked about again. Through the generate stage, the
// real openai client and a stand-in model over HTTP: what a weak model answers for such a line,
// or its failing, must widen the known template, not split the event in two; an answer that
// keeps the refused text as constant text is still an event of its own (the poisoning defence).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAiComplete, LlmGenerator } from '../../../src/generate/llm/index.ts';
import { startGenerate } from '../../../src/generate/stage.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, StoredLog } from '../../../src/model/log.ts';
import type { Template } from '../../../src/model/template.ts';
import type { TemplateChange } from '../../../src/model/template-change.ts';
import { InProcessChannel } from '../../../src/transport/in-process.ts';
import { startOpenAiStandIn, type StandIn } from '../../helpers/llm-stand-ins.ts';
import { logRecord, until } from '../../helpers/records.ts';

const log = (message: string) => logRecord(message);

/** A generate stage asking the stand-in; `post` resolves once the lines are stored. */
function startStage(standIn: StandIn) {
  const generator = new LlmGenerator({
    source: 'openai',
    complete: createOpenAiComplete({ baseUrl: standIn.url, apiKey: '', model: 'stand-in', timeoutMs: 1000 }),
    batching: { maxLines: 10, maxWaitMs: 5 },
    retry: { maxAttempts: 2, initialBackoffMs: 5, jitter: 0.1, maxRetryAfterMs: 1000 },
  });
  const channels = {
    unmatched: new InProcessChannel<LogRecord>('unmatched'),
    matched: new InProcessChannel<StoredLog>('matched'),
    templates: new InProcessChannel<TemplateChange>('templates'),
  };
  const stored: StoredLog[] = [];
  /** The templates as last saved, by id. */
  const templates = new Map<number, Template>();
  channels.matched.subscribe((rows) => stored.push(...rows));
  const stage = startGenerate(
    { queueMaxLogs: 1000, maxTemplatesPerOrg: 1000, maxConcurrentBatches: 1 },
    {
      generator,
      channels,
      saveTemplates: (saved) => saved.forEach((t) => templates.set(t.id, t)),
      initial: [],
      logger: createLogger('silent'),
    },
  );
  const post = async (...messages: string[]): Promise<void> => {
    const before = stored.length;
    void channels.unmatched.publish(messages.map(log));
    await until(() => stored.length === before + messages.length);
  };
  const templateOf = (message: string): Template | undefined =>
    templates.get(stored.find((row) => row.message === message)?.templateId ?? -1);
  return { stage, stats: () => stage.stats(), post, stored, templates, templateOf };
}

describe('a line its known template refused only by the shapes of its values', () => {
  let standIn: StandIn;
  before(async () => {
    standIn = await startOpenAiStandIn();
  });
  after(() => standIn.close());

  it('a model answer holding the new value in a variable widens the known template', async () => {
    const t = startStage(standIn);
    standIn.script({ kind: 'template', template: 'auth failure rhost=<*> user=<*>' });
    await t.post('auth failure rhost=host-7.example.net user=root');
    // An address where a host name was: refused by the kinds, asked again. The model keeps the
    // address in a variable but makes the user a constant, as a weak model does.
    standIn.script({ kind: 'template', template: 'auth failure rhost=<*> user=guest' });
    await t.post('auth failure rhost=10.0.0.9 user=guest');

    assert.deepEqual(
      [...t.templates.values()].map((x) => x.text),
      ['auth failure rhost=<*> user=<*>'],
      'one template, its text as the model first gave it',
    );
    assert.equal(
      t.templateOf('auth failure rhost=10.0.0.9 user=guest')?.text,
      'auth failure rhost=<*> user=<*>',
    );
    assert.equal(t.stats().templatesWidened, 1);
    // Addresses now fit: the next one is stored at once, without a question.
    const asked = standIn.requests.length;
    await t.post('auth failure rhost=10.0.0.10 user=root');
    assert.equal(standIn.requests.length, asked);
    assert.equal(
      t.templateOf('auth failure rhost=10.0.0.10 user=root')?.text,
      'auth failure rhost=<*> user=<*>',
    );
    await t.stage.stop(Date.now() + 1000);
  });

  it('when the model fails on it, the miner fallback widens the known template', async () => {
    const t = startStage(standIn);
    standIn.script({ kind: 'template', template: 'connection from <*> (<*>) at <*>' });
    await t.post('connection from 10.0.0.1 (host-1.example.net) at 12:00:01');
    // An empty host name, which the variable had not been seen with; every attempt fails.
    standIn.script({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    await t.post('connection from 10.0.0.2 () at 12:00:02');

    assert.deepEqual(
      [...t.templates.values()].map((x) => x.text),
      ['connection from <*> (<*>) at <*>'],
    );
    assert.equal(new Set(t.stored.map((row) => row.templateId)).size, 1, 'both lines under one template');
    await t.stage.stop(Date.now() + 1000);
  });

  it('an answer keeping the refused text as constant text is an event of its own', async () => {
    const t = startStage(standIn);
    standIn.script({ kind: 'template', template: 'ERROR <*>' });
    await t.post('ERROR 1');
    standIn.script({ kind: 'template', template: 'ERROR disk full' });
    await t.post('ERROR disk full');

    assert.deepEqual([...t.templates.values()].map((x) => x.text).sort(), ['ERROR <*>', 'ERROR disk full']);
    assert.equal(t.templateOf('ERROR 1')?.shapes, '1-1/1', 'ERROR <*> still takes one number only');
    assert.equal(t.stats().templatesWidened, 0);
    await t.stage.stop(Date.now() + 1000);
  });
});
