// Every example of the README's API section, run as written (only the address changed) with
// nothing but curl and a shell, in order, against the service: each must run, and only the one
// that shows bad input may be answered with an error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../../helpers/process.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

const run = promisify(execFile);

/** The bash blocks of the README's API section that call the service. */
function examples(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const api = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n## Configuration\n'));
  return [...api.matchAll(/```bash\n([\s\S]*?)```/g)]
    .map(([, script]) => script ?? '')
    .filter((script) => script.includes('curl'));
}

describe("the README's API examples", { timeout: 120_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(async () => t.destroy());

  it('need nothing but curl: no jq, no python', () => {
    const found = examples();
    assert.ok(found.length >= 15, `${found.length} examples`);
    for (const script of found) assert.doesNotMatch(script, /\bjq\b|python/, script);
  });

  it('run as written, each answered without an error but the one showing bad input', async () => {
    for (const script of examples()) {
      const filled = script.replaceAll('localhost:3002', t.url.replace('http://', ''));
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', filled], { maxBuffer: 16 << 20 });
      const first = script.trim().split('\n')[0];
      if (script.includes('"no org"')) {
        assert.match(stdout, /"code":"MISSING_FIELD"/, first);
      } else {
        assert.doesNotMatch(stdout, /"statusCode":[45]\d\d/, `${first}\n${stdout.slice(0, 500)}`);
      }
      // What was sent is readable by the next example.
      await t.flush();
    }
  });
});
