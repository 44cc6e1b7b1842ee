// The service is started with the same V8 flags wherever it is started from (src/cli/node-flags.ts):
// V8 reads them before any of our code runs, so only the command line can carry them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { NODE_FLAGS } from '../../../src/cli/node-flags.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

describe('the V8 flags the service starts with', () => {
  it('npm start passes them before the entry point', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.equal(scripts['start'], `node ${NODE_FLAGS.join(' ')} src/cli/service.ts`);
  });

  it("the image's CMD passes them before the entry point", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    assert.ok(cmd !== undefined, 'the Dockerfile has an exec-form CMD');
    assert.deepEqual(JSON.parse(cmd), ['node', ...NODE_FLAGS, 'src/cli/service.ts']);
  });
});
