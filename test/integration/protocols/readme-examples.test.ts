// The README's curl examples of the shippers' protocols, run as written (only the address and
// the org changed) against the service: each must store its log with the fields it shows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../../helpers/process.ts';
import { startTestService, type TestService } from '../../helpers/service.ts';

const run = promisify(execFile);

/** The bash blocks of the README that post to one of the shippers' routes. */
function examples(): Array<{ route: string; script: string }> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out: Array<{ route: string; script: string }> = [];
  for (const [, script] of readme.matchAll(/```bash\n([\s\S]*?)```/g)) {
    const route = /^curl -s -X POST localhost:3002(\/v1\/logs|\/loki\/api\/v1\/push|\/_bulk) /.exec(
      script ?? '',
    )?.[1];
    if (route !== undefined && script !== undefined) out.push({ route, script });
  }
  return out;
}

describe("the README's examples of the shippers' protocols", { timeout: 60_000 }, () => {
  let t: TestService;
  before(async () => {
    t = await startTestService();
  });
  after(async () => t.destroy());

  it('are there for OTLP, Loki and Elasticsearch, and each stores its log as shown', async () => {
    const found = examples();
    assert.deepEqual(found.map((e) => e.route).sort(), ['/_bulk', '/loki/api/v1/push', '/v1/logs']);
    for (const { route, script } of found) {
      const org = `readme-${route.replace(/\W+/g, '-').replace(/^-|-$/g, '')}`;
      assert.ok(script.includes("'X-Scope-OrgID: acme'"), `${route}: the example names its org`);
      const filled = script
        .replace('localhost:3002', t.url.replace('http://', ''))
        .replace("'X-Scope-OrgID: acme'", `'X-Scope-OrgID: ${org}'`);
      await run('bash', ['-euo', 'pipefail', '-c', `${filled.trim()} --fail-with-body`]);
      await t.flush();
      const res = await fetch(`${t.url}/logs?org=${org}`);
      const { logs } = (await res.json()) as {
        logs: Array<{ message: string; level: string; service: string }>;
      };
      assert.deepEqual(
        logs.map((l) => [l.message, l.level, l.service]),
        [['Disk 3 at 91%', 'WARN', 'api']],
        route,
      );
    }
  });
});
