import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../../src/logger.ts';
import type { Template } from '../../../src/model/template.ts';
import { TemplateWebhook } from '../../../src/signals/webhook.ts';

const template = (id: number): Template => ({
  id,
  org: 'acme',
  text: `T${id} <*>`,
  source: 'builtin',
  createdAt: 0,
  updatedAt: 0,
});

describe('the template webhook is bounded', () => {
  it('keeps at most maxQueue events (the oldest dropped), and gives an event up after maxAttempts', async () => {
    const lines: string[] = [];
    const hook = new TemplateWebhook({
      // Nothing listens there: every try fails at once.
      url: 'http://127.0.0.1:9/hook',
      logger: createLogger('warn', { write: (line: string) => void lines.push(line) }),
      maxQueue: 2,
      maxAttempts: 2,
      initialBackoffMs: 1,
      timeoutMs: 1000,
    });
    // Four events into a queue of two: the two oldest are dropped; delivery then takes one.
    hook.templatesCreated([template(1), template(2), template(3), template(4)]);
    assert.deepEqual(hook.stats(), { sent: 0, failed: 0, dropped: 2, queued: 1 });
    for (let i = 0; i < 100 && hook.stats().failed < 2; i++) await sleep(20);
    assert.deepEqual(hook.stats(), { sent: 0, failed: 2, dropped: 2, queued: 0 });
    assert.equal(lines.length, 2, 'a warning per event given up');
    assert.match(lines[0] ?? '', /"attempts":2/);
    hook.stop();
  });
});
