import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../../../src/logger.ts';
import type { TemplateChange } from '../../../../src/model/template-change.ts';
import type { Template } from '../../../../src/model/template.ts';
import {
  handOverStoredTemplates,
  TopicTemplates,
} from '../../../../src/transport/kafka/template-handover.ts';

const template = (org: string, id: number, text: string): Template => ({
  org,
  id,
  text,
  source: 'builtin',
  createdAt: 1,
  updatedAt: 1,
});

describe('handing stored templates over to the templates topic', () => {
  it('publishes only what the topic never had: not a known key, a deleted one, or the same text under another id', async () => {
    const topic = new TopicTemplates();
    topic.see([
      { kind: 'upsert', template: template('acme', 1, 'Disk <*> full') },
      { kind: 'upsert', template: template('acme', 2, 'User <*> logged in') },
      { kind: 'delete', org: 'acme', id: 3 },
      { kind: 'upsert', template: template('beta', 9, 'Fan <*> stopped') },
      { kind: 'delete', org: 'beta', id: 9 },
    ]);
    const stored = [
      template('acme', 1, 'Disk <*> full'), // the same key
      template('acme', 3, 'Old <*> text'), // deleted on the topic: stays deleted
      template('acme', 4, 'User <*> logged in'), // the generator learned it first as id 2
      template('acme', 5, 'Connection timeout after <*>s'), // new to the topic
      template('beta', 7, 'Fan <*> stopped'), // its text was deleted under id 9: new again
      template('a b', 8, 'Legacy <*>'), // an org outside today's alphabet has no key
    ];
    const published: TemplateChange[] = [];
    const lines: string[] = [];
    const n = await handOverStoredTemplates({
      stored,
      topic,
      publish: (changes) => {
        published.push(...changes);
        return Promise.resolve();
      },
      logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
    });
    assert.equal(n, 2);
    assert.deepEqual(
      published.map((c) => (c.kind === 'upsert' ? `${c.template.org}:${c.template.id}` : 'delete')),
      ['acme:5', 'beta:7'],
    );
    const logged = JSON.parse(lines[0] ?? '{}') as Record<string, number>;
    assert.deepEqual(
      [logged['published'], logged['orgs'], logged['sameTextOtherId'], logged['orgOutsideAlphabet']],
      [2, 2, 1, 1],
    );
  });

  it('publishes nothing, and logs nothing, when the topic has every stored template', async () => {
    const topic = new TopicTemplates();
    topic.see([{ kind: 'upsert', template: template('acme', 1, 'Disk <*> full') }]);
    const lines: string[] = [];
    const n = await handOverStoredTemplates({
      stored: [template('acme', 1, 'Disk <*> full')],
      topic,
      publish: () => Promise.reject(new Error('nothing to publish')),
      logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
    });
    assert.equal(n, 0);
    assert.deepEqual(lines, []);
  });
});
