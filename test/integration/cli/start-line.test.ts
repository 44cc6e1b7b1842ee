import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { freePort, spawnService, waitUntilUp, type ServiceProcess } from '../../helpers/process.ts';
import { makeDataDir } from '../../helpers/service.ts';

const dirs: string[] = [];
const running: ServiceProcess[] = [];
after(async () => {
  for (const proc of running) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** `npm start` as its own process, with stdout a pipe (as a log shipper reads it), until it is up. */
async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const dataDir = await makeDataDir();
  dirs.push(dataDir);
  const proc = spawnService({
    DATA_DIR: dataDir,
    INGEST_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    ...env,
  });
  running.push(proc);
  await waitUntilUp(proc.url, proc.exited);
  return proc;
}

describe('the line the service logs once it listens', { timeout: 120_000 }, () => {
  it('names the page and the API docs, as JSON fields when stdout is a pipe', async () => {
    const proc = await start({});
    const lines = proc
      .stdout()
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { msg: string; ui?: string; docs?: string });
    const line = lines.find((l) => l.ui !== undefined);
    assert.ok(line !== undefined, `a start line among:\n${proc.stdout()}`);
    assert.equal(line.ui, `${proc.url}/ui`);
    assert.equal(line.docs, `${proc.url}/docs`);
    assert.ok(line.msg.includes(`${proc.url}/ui`) && line.msg.includes(`${proc.url}/docs`), line.msg);
    // The address it names answers: the API's documentation is there.
    assert.equal((await fetch(line.docs)).status, 200);
  });

  it('is readable text with LOG_FORMAT=pretty, naming the same addresses', async () => {
    const proc = await start({ LOG_FORMAT: 'pretty' });
    const text = proc.stdout().replace(/\x1b\[[0-9;]*m/g, '');
    const line = text.split('\n').find((l) => l.includes('listening on'));
    assert.ok(line !== undefined, `a start line in:\n${text}`);
    assert.match(line, /INFO/);
    assert.ok(line.includes(`${proc.url}/ui`) && line.includes(`${proc.url}/docs`), line);
    assert.throws(() => JSON.parse(line), SyntaxError, 'text, not JSON');
  });
});
