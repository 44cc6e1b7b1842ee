// End to end through the generate stage: unmatched logs in, the real openai client asking a
// stand-in over HTTP, checked templates out, and every log stored with a template.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOpenAiComplete, LlmGenerator } from '../../../src/generate/llm/index.ts';
import { startGenerate } from '../../../src/generate/stage.ts';
import { createLogger } from '../../../src/logger.ts';
import type { LogRecord, StoredLog } from '../../../src/model/log.ts';
import type { Template } from '../../../src/model/template.ts';
import type { TemplateChange } from '../../../src/model/template-change.ts';
import { InProcessChannel } from '../../../src/transport/in-process.ts';
import { digitsTemplate, startOpenAiStandIn, type StandIn } from '../../helpers/llm-stand-ins.ts';
import { logRecord, until } from '../../helpers/records.ts';

const log = (message: string) => logRecord(message);

describe('generate stage with the openai provider', () => {
  let standIn: StandIn;
  before(async () => {
    standIn = await startOpenAiStandIn();
  });
  after(() => standIn.close());

  it('stores every log with a checked template, from the model or from the miner fallback', async () => {
    // The model answers well for `took` lines, with a wrong template for `disk` lines, and
    // fails with 500s for `user` lines.
    standIn.fallback = (lines) => {
      const first = lines[0] ?? '';
      if (first.startsWith('disk')) return { kind: 'template', template: 'disk <*> is on fire' };
      if (first.startsWith('user')) return { kind: 'status', status: 500 };
      return digitsTemplate(lines);
    };
    const generator = new LlmGenerator({
      source: 'openai',
      complete: createOpenAiComplete({
        baseUrl: standIn.url,
        apiKey: '',
        model: 'stand-in',
        timeoutMs: 1000,
      }),
      batching: { maxLines: 10, maxWaitMs: 10 },
      retry: { maxAttempts: 2, initialBackoffMs: 20, jitter: 0.1, maxRetryAfterMs: 1000 },
    });
    const channels = {
      unmatched: new InProcessChannel<LogRecord>('unmatched'),
      matched: new InProcessChannel<StoredLog>('matched'),
      templates: new InProcessChannel<TemplateChange>('templates'),
    };
    const stored: StoredLog[] = [];
    const saved: Template[] = [];
    channels.matched.subscribe((rows) => stored.push(...rows));
    const stage = startGenerate(
      { queueMaxLogs: 1000, maxTemplatesPerOrg: 1000, maxConcurrentBatches: 2 },
      {
        generator,
        channels,
        saveTemplates: (templates) => saved.push(...templates),
        initial: [],
        logger: createLogger('silent'),
      },
    );
    const messages = [
      'took 12 ms',
      'disk /dev/sda1 full',
      'user 41 logged in',
      'took 7 ms',
      'disk /dev/sdb2 full',
      'user 42 logged in',
      'took 130 ms',
    ];
    void channels.unmatched.publish(messages.map(log));
    await until(() => stored.length === messages.length);
    await stage.stop(Date.now() + 1000);

    assert.ok(
      stored.every((row) => row.templateId !== 0),
      'every log has a template',
    );
    const byId = new Map(saved.map((template) => [template.id, template]));
    const templateOf = (message: string) =>
      byId.get(stored.find((row) => row.message === message)?.templateId ?? -1);
    assert.deepEqual(
      [templateOf('took 7 ms')?.text, templateOf('took 7 ms')?.source],
      ['took <*> ms', 'openai'],
    );
    assert.equal(templateOf('disk /dev/sdb2 full')?.source, 'builtin');
    assert.equal(templateOf('user 42 logged in')?.source, 'builtin');
    assert.ok(saved.every((template) => template.text !== 'disk <*> is on fire'));
    const stats = generator.stats();
    assert.equal(stats.proposalsRejected, 1);
    assert.equal(stats.failures, 1);
    assert.equal(stats.groups, 3);
    // 3 groups, one retried once: 4 calls for 7 lines.
    assert.equal(stats.calls, 4);
    assert.equal(standIn.requests.length, 4);
  });
});
