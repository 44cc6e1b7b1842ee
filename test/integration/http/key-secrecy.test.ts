// API keys stay secret: the service says so when it runs open, and no key, nor a token a client
// presents, ever reaches a log line, an error message or a response. Logs are read for real:
// the service runs with a logger that writes its JSON lines to a stream the test collects.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../../src/config.ts';
import { ConfigError, StorageError } from '../../../src/errors.ts';
import { createLogger, type Logger } from '../../../src/logger.ts';
import { startStandalone, type RunningService } from '../../../src/roles/standalone.ts';
import { freePort, spawnService } from '../../helpers/process.ts';

// The configured keys (acme: write and read; every org: read only; beta: write only, from the
// keys file), and tokens clients present that the service does not know.
const ACME_RW = 'acme-rw-5f1c9e0a7b3d4e21';
const ALL_READ = 'all-read-9a8b7c6d5e4f3a2b';
const BETA_WRITE_FILE = 'beta-write-0f1e2d3c4b5a6978';
const KEYS = [ACME_RW, ALL_READ, BETA_WRITE_FILE];
const UNKNOWN_TOKEN = 'unknown-77aa88bb99cc00dd';
/** Anything that must never be seen: the keys and every token presented. */
const SECRETS = [...KEYS, UNKNOWN_TOKEN];

/** The lines a logger wrote, as text and parsed. */
interface Captured {
  readonly logger: Logger;
  text(): string;
  lines(): Array<Record<string, unknown>>;
}

function captureLogs(level = 'trace'): Captured {
  const chunks: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void chunks.push(line) });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const WARN = 40;

function linesNaming(captured: Captured, pattern: RegExp): Array<Record<string, unknown>> {
  return captured.lines().filter((l) => pattern.test(JSON.stringify(l)));
}

/** A piece of a secret this long is a leak too (a parser's message quotes ten characters). */
const FRAGMENT = 8;

/** The first piece of any of `secrets` that `text` contains, or undefined. */
function leaked(text: string, secrets: readonly string[]): string | undefined {
  for (const secret of secrets) {
    for (let i = 0; i + FRAGMENT <= secret.length; i++) {
      const piece = secret.slice(i, i + FRAGMENT);
      if (text.includes(piece)) return `${piece} (of ${secret})`;
    }
  }
  return undefined;
}

function assertNoSecret(text: string, where: string, secrets: readonly string[] = SECRETS): void {
  const piece = leaked(text, secrets);
  assert.equal(piece, undefined, `${where} contains ${piece}:\n${text}`);
}

interface Started {
  service: RunningService;
  config: Config;
  url: string;
}

/** The standalone service as the CLI starts it (loadConfig, then startStandalone), logging to `logger`. */
async function start(env: Record<string, string>, dataDir: string, logger: Logger): Promise<Started> {
  const config = loadConfig({
    DATA_DIR: dataDir,
    INGEST_PORT: '0',
    INGEST_HOST: '127.0.0.1',
    CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
    ...env,
  });
  const service = await startStandalone(config, logger);
  const address = service.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { service, config, url: `http://127.0.0.1:${port}` };
}

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'log-ingest-secrecy-'));
  dirs.push(dir);
  return dir;
}

let open: Captured;
let keyed: Captured;
let t: Started;

before(async () => {
  // The embedded engine takes one data folder per process at a time: one service after the other.
  open = captureLogs();
  const withoutKeys = await start({}, await dataDir(), open.logger);
  await withoutKeys.service.stop();

  const dir = await dataDir();
  const keysFile = path.join(dir, 'keys.json');
  await writeFile(keysFile, JSON.stringify([{ key: BETA_WRITE_FILE, orgs: ['beta'], scopes: ['write'] }]));
  keyed = captureLogs();
  t = await start(
    { INGEST_API_KEYS: `${ACME_RW}:acme:write+read;${ALL_READ}:*:read`, INGEST_API_KEYS_FILE: keysFile },
    dir,
    keyed.logger,
  );
});
after(async () => {
  await t.service.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the open-service warning', () => {
  it('without keys: exactly one warn-level line at start, naming INGEST_API_KEYS', () => {
    const naming = linesNaming(open, /INGEST_API_KEYS/);
    assert.equal(naming.length, 1, `lines naming INGEST_API_KEYS:\n${open.text()}`);
    assert.equal(naming[0]!['level'], WARN);
    assert.match(String(naming[0]!['msg']), /no API keys configured/);
  });

  it('with keys: no such line', () => {
    assert.deepEqual(linesNaming(keyed, /INGEST_API_KEYS|no API keys/), []);
  });
});

interface Answer {
  status: number;
  /** The response's headers and body, as one text to search. */
  seen: string;
  body: { code?: string; message?: string };
}

async function call(method: string, url: string, authorization?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers['authorization'] = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.url}${url}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    seen: `${JSON.stringify([...res.headers])}\n${text}`,
    body: (text.startsWith('{') ? JSON.parse(text) : {}) as Answer['body'],
  };
}

describe('keys are never logged nor echoed', () => {
  it('401, 403 and logged server errors carry no key nor presented token, in the answer or the log', async () => {
    const acmeLog = { org: 'acme', message: 'secrecy check' };
    const refused: Array<[Promise<Answer>, number, string]> = [
      [call('POST', '/logs/ingest', `Bearer ${UNKNOWN_TOKEN}`, acmeLog), 401, 'an unknown key'],
      [call('GET', '/stats', `Bearer ${UNKNOWN_TOKEN}`), 401, 'an unknown key on a read'],
      [call('POST', '/logs/ingest', `Bearer ${ACME_RW}x`, acmeLog), 401, 'a configured key plus a character'],
      [call('POST', '/logs/ingest', `Bearer ${ACME_RW} ${ALL_READ}`, acmeLog), 401, 'two keys in the header'],
      [call('POST', '/logs/ingest', `Digest ${ACME_RW}`, acmeLog), 401, 'another scheme'],
      [call('POST', '/logs/ingest', `Bearer ${ALL_READ}`, acmeLog), 403, 'a read-only key writing'],
      [call('GET', '/stats', `Bearer ${BETA_WRITE_FILE}`), 403, 'a write-only key reading'],
      [
        call('POST', '/logs/ingest', `Bearer ${ACME_RW}`, { org: 'beta', message: 'foreign' }),
        403,
        'a key writing another org',
      ],
      [call('GET', '/logs?org=beta', `Bearer ${ACME_RW}`), 403, 'a key reading another org'],
    ];
    for (const [answer, status, what] of refused) {
      const { status: got, seen } = await answer;
      assert.equal(got, status, what);
      assertNoSecret(seen, `the answer to ${what}`);
    }

    // Storage failing under a read (503), and a bug (500): both are logged by the error handler.
    const store = t.service.store;
    const queryLogs = store.queryLogs.bind(store);
    const listTemplates = store.listTemplates.bind(store);
    store.queryLogs = () =>
      Promise.reject(new StorageError('ClickHouse is unreachable: connect ECONNREFUSED'));
    store.listTemplates = () =>
      Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')"));
    try {
      const unavailable = await call('GET', '/logs?org=acme', `Bearer ${ACME_RW}`);
      assert.equal(unavailable.status, 503);
      assert.equal(unavailable.body.code, 'STORAGE_ERROR');
      assertNoSecret(unavailable.seen, 'the answer to a storage failure');
      const failed = await call('GET', '/templates?org=acme', `Bearer ${ACME_RW}`);
      assert.equal(failed.status, 500);
      assert.equal(failed.body.message, 'internal error');
      assertNoSecret(failed.seen, 'the answer to a 500');
    } finally {
      store.queryLogs = queryLogs;
      store.listTemplates = listTemplates;
    }
    const logged = linesNaming(keyed, /request failed/);
    assert.equal(logged.length, 2, `the two server errors were logged:\n${keyed.text()}`);
    assertNoSecret(keyed.text(), 'the log');
  });

  it('redacts the Authorization header and the configured keys wherever a request or the config is logged', () => {
    const capture = captureLogs();
    const headers = { authorization: `Bearer ${ACME_RW}`, 'content-type': 'application/json' };
    // The shapes the redaction covers: a request, bare headers, headers under any name, the config.
    const fields: Array<[string, Record<string, unknown>, (line: Record<string, unknown>) => unknown]> = [
      ['req', { req: { method: 'POST', url: '/logs/ingest', headers } }, (l) => at(l, 'req', 'headers')],
      ['headers', { headers }, (l) => at(l, 'headers')],
      ['request', { request: { headers } }, (l) => at(l, 'request', 'headers')],
      [
        'upstream',
        { upstream: { headers: { ...headers, authorization: `Bearer ${UNKNOWN_TOKEN}` } } },
        (l) => at(l, 'upstream', 'headers'),
      ],
      ['config', { config: t.config }, (l) => at(l, 'config', 'auth')],
      ['auth', { auth: t.config.auth }, (l) => at(l, 'auth')],
    ];
    const logger = capture.logger.child({ stage: 'http' });
    for (const [name, object] of fields) logger.info(object, name);
    const lines = capture.lines();
    assert.equal(lines.length, fields.length);
    fields.forEach(([name, , pick], i) => {
      const line = lines[i]!;
      assert.equal(line['msg'], name);
      const value = pick(line) as Record<string, unknown>;
      if (name === 'config' || name === 'auth') {
        assert.equal(value['keys'], '[redacted]', `${name}: ${JSON.stringify(line)}`);
      } else {
        assert.equal(value['authorization'], '[redacted]', `${name}: ${JSON.stringify(line)}`);
        assert.equal(value['content-type'], 'application/json', 'the other headers stay');
      }
    });
    assertNoSecret(capture.text(), 'the log');

    // The same through the running service's own request logger (what handlers call request.log).
    for (const [name, object] of fields) t.service.app.log.info(object, name);
    assert.equal(linesNaming(keyed, /"msg":"upstream"/).length, 1);
    assertNoSecret(keyed.text(), 'the service log');
  });
});

/** `line[a][b]…`, for reading nested fields of a parsed log line. */
function at(line: Record<string, unknown>, ...keys: string[]): unknown {
  let value: unknown = line;
  for (const key of keys) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

describe('a malformed key setting at start', () => {
  // Each case's secrets: a valid key listed before the bad entry, the bad entry's key, and
  // whatever else of it could be key text (a too-short key, the half after a colon).
  const GOOD = 'good-1234567890abcdef12';
  const BAD = 'bad-abcdef1234567890ab';
  const SHORT = 'short-3e8a9f';
  const PART = 'part-6b2d4f8a';
  const SECRET_TEXT = [GOOD, BAD, SHORT, PART];

  it('names the variable and never the key text, for each way an entry can be wrong', async () => {
    const dir = await dataDir();
    const entries: Array<[string, string]> = [
      ['a short key', `${SHORT}:acme:read`],
      ['an unknown scope', `${BAD}:acme:admin`],
      ['no scopes part', `${BAD}:acme`],
      ['no org', `${BAD}::read`],
      ['* with orgs', `${BAD}:*,acme:read`],
      // A colon inside the key splits it: neither half may be shown.
      ['a colon inside the key', `${BAD}:${PART}:acme:read`],
      ['a key listed twice', `${BAD}:beta:read;${BAD}:acme:read`],
      ['a control character in the key', `${BAD}\u0007:acme:read`],
    ];
    const cases: Array<[string, string, Record<string, string>]> = entries.map(([what, entry]) => [
      what,
      'INGEST_API_KEYS',
      { INGEST_API_KEYS: `${GOOD}:acme:write;${entry}` },
    ]);
    const files: Array<[string, string]> = [
      // Invalid JSON: the parser's own message quotes the text at the fault, here the key.
      ['the INGEST_API_KEYS format in the file', `${GOOD}:acme:write;${BAD}:acme:read`],
      ['an unquoted key', `[{"key": ${BAD}, "orgs": ["acme"], "scopes": ["write"]}]`],
      ['truncated JSON', `[{"key": "${BAD}", "orgs": ["acme"], "scopes": ["write"]`],
      [
        'a control character inside a key',
        `[{"key": "${BAD}\u0001", "orgs": ["acme"], "scopes": ["write"]}]`,
      ],
      [
        'an unknown scope',
        JSON.stringify([
          { key: GOOD, orgs: ['acme'], scopes: ['write'] },
          { key: BAD, orgs: ['acme'], scopes: ['admin'] },
        ]),
      ],
      ['a short key', JSON.stringify([{ key: SHORT, orgs: ['acme'], scopes: ['write'] }])],
      [
        'a key listed twice',
        JSON.stringify([
          { key: BAD, orgs: ['acme'], scopes: ['write'] },
          { key: BAD, orgs: ['beta'], scopes: ['write'] },
        ]),
      ],
    ];
    for (const [i, [what, text]] of files.entries()) {
      const file = path.join(dir, `keys-${i}.json`);
      await writeFile(file, text);
      cases.push([`file: ${what}`, 'INGEST_API_KEYS_FILE', { INGEST_API_KEYS_FILE: file }]);
    }
    for (const [what, variable, env] of cases) {
      assert.throws(
        () => loadConfig(env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, `${what}: ${String(err)}`);
          assert.equal(err.variable, variable, what);
          assert.ok(err.message.startsWith(`${variable}: `), `${what}: ${err.message}`);
          assertNoSecret(err.message, `${what}: the message`, SECRET_TEXT);
          return true;
        },
        what,
      );
    }
  });

  it('the service exits naming INGEST_API_KEYS, without the key on its output', async () => {
    const proc = spawnService({
      INGEST_PORT: String(await freePort()),
      DATA_DIR: await dataDir(),
      INGEST_API_KEYS: `${GOOD}:acme:write;${BAD}:acme:admin`,
    });
    assert.equal(await proc.exited, 2, proc.stderr());
    assert.match(proc.stderr(), /invalid configuration: INGEST_API_KEYS: entry 2/);
    assertNoSecret(proc.stderr(), 'the output', SECRET_TEXT);
  });
});
