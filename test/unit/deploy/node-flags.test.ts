// The service is started with the same V8 flags wherever it is started from (src/cli/node-flags.ts):
// V8 reads them before any of our code runs, so only the command line can carry them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MATCHER_NODE_FLAGS, NODE_FLAGS } from '../../../src/cli/node-flags.ts';

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

  it("Kafka-mode matchers start with the matcher's flags, in k8s and in docker-compose", () => {
    const expected = JSON.stringify(['node', ...MATCHER_NODE_FLAGS, 'src/cli/service.ts']);
    for (const file of ['k8s/matcher.yaml', 'docker-compose.yml']) {
      const commands = [...read(file).matchAll(/^\s*command: (\[.*\])$/gm)].map((m) =>
        JSON.stringify(JSON.parse((m[1] ?? '').replaceAll("'", '"'))),
      );
      assert.deepEqual(commands, [expected], file);
    }
    assert.ok(
      MATCHER_NODE_FLAGS.includes('--max-semi-space-size=4'),
      'matchers keep the young generation cap',
    );
  });

  it("reach the request threads: a worker's young generation stays within --max-semi-space-size", () => {
    // A worker that keeps some of what it allocates, as a request thread does, grows its new
    // space to V8's maximum (128 MiB on a large machine) unless the process flag caps it.
    const script = `
      const { Worker } = require('node:worker_threads');
      const worker = new Worker(\`
        const v8 = require('node:v8');
        let kept = [];
        for (let i = 0; i < 2e6; i++) { kept.push({ i, s: 'x' + i }); if (kept.length > 2e5) kept = []; }
        const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
        require('node:worker_threads').parentPort.postMessage(space.space_size);
      \`, { eval: true });
      worker.on('message', (size) => { console.log(size); void worker.terminate(); });
    `;
    const newSpace = Number(
      execFileSync(process.execPath, [...NODE_FLAGS, '-e', script], { encoding: 'utf8' }),
    );
    const semiSpaceMb = Number(NODE_FLAGS.find((f) => f.startsWith('--max-semi-space-size='))?.split('=')[1]);
    assert.ok(
      newSpace > 0 && newSpace <= 2 * semiSpaceMb * 2 ** 20,
      `new space of a worker: ${newSpace} bytes`,
    );
  });
});
