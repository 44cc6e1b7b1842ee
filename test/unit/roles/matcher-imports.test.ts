// A matcher alone must not load the HTTP service's modules: each one loaded is memory every
// matcher holds (docs/benchmarks.md, "A lean matcher"), and one stray import brings Fastify back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../../..');

/** The packages (node_modules/<name>) a fresh Node loads when it imports `files`. */
function packagesLoadedBy(files: readonly string[]): Set<string> {
  const hook = `
    import { registerHooks } from 'node:module';
    globalThis.loaded = [];
    registerHooks({ load(url, context, next) { globalThis.loaded.push(url); return next(url, context); } });
  `;
  const imports = files.map(
    (f) => `await import(${JSON.stringify(pathToFileURL(path.join(root, f)).href)});`,
  );
  const out = execFileSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      '--input-type=module',
      '-e',
      `${imports.join('\n')}\nconsole.log(JSON.stringify(globalThis.loaded));`,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const names = (JSON.parse(out) as string[]).flatMap((url) => {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    return m?.[1] === undefined ? [] : [m[1]];
  });
  return new Set(names);
}

describe('a Kafka-mode matcher alone', () => {
  it('loads the Kafka client, not Fastify, the storage engine or the LLM clients', () => {
    const loaded = packagesLoadedBy(['src/cli/start-line.ts', 'src/logger.ts', 'src/roles/serve-matcher.ts']);
    assert.ok(loaded.has('@platformatic/kafka'), 'the check sees packages');
    const unwanted = [
      'fastify',
      '@fastify/swagger',
      '@fastify/swagger-ui',
      'chdb',
      '@clickhouse/client',
      'openai',
      'ollama',
    ];
    assert.deepEqual(
      unwanted.filter((name) => loaded.has(name)),
      [],
    );
  });
});
