// `node --test --test-global-setup=test/global-setup.ts`: the services the suite needs.
// Where KAFKA_BROKERS is set, the tests use that broker; otherwise the local single-node
// broker is started here (scripts/kafka/up.sh: jars from Maven Central, cached in .kafka/)
// and stopped after the run. The test files run in child processes that inherit the env.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
let startedBroker = false;

export function globalSetup(): void {
  if ((process.env['KAFKA_BROKERS'] ?? '').trim() !== '') return;
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/kafka/up.sh')], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').at(-1) ?? '';
  const brokers = /^KAFKA_BROKERS=(.+)$/.exec(last)?.[1];
  if (brokers === undefined) throw new Error(`scripts/kafka/up.sh printed no KAFKA_BROKERS line: ${last}`);
  process.env['KAFKA_BROKERS'] = brokers;
  startedBroker = true;
}

export function globalTeardown(): void {
  if (!startedBroker) return;
  execFileSync('bash', [path.join(ROOT, 'scripts/kafka/down.sh')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
