import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';
import { buildKeyTable, lookupKey } from '../../../src/http/api-keys.ts';

const K1 = 'k1-0123456789abcdef';
const K2 = 'k2-0123456789abcdef';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'log-ingest-keys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rejects(env: Record<string, string>, variable: string, mention?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.variable === variable &&
      err.message.startsWith(variable) &&
      (mention === undefined || mention.test(err.message)),
  );
}

describe('API keys in the config', () => {
  it('has no keys by default (the API is open)', () => {
    assert.deepEqual(loadConfig({}).auth.keys, []);
  });

  it('reads INGEST_API_KEYS: key:orgs:scopes, entries split by ;', () => {
    const { keys } = loadConfig({ INGEST_API_KEYS: ` ${K1}:acme, beta:write+read ;\n${K2}:*:read;` }).auth;
    assert.deepEqual(keys, [
      { key: K1, orgs: ['acme', 'beta'], scopes: ['write', 'read'] },
      { key: K2, orgs: '*', scopes: ['read'] },
    ]);
  });

  it('reads INGEST_API_KEYS_FILE once, alongside INGEST_API_KEYS', async () => {
    const file = path.join(dir, 'keys.json');
    await writeFile(file, JSON.stringify([{ key: K2, orgs: ['acme'], scopes: ['write'] }]));
    const { keys } = loadConfig({ INGEST_API_KEYS: `${K1}:*:read`, INGEST_API_KEYS_FILE: file }).auth;
    assert.deepEqual(keys, [
      { key: K1, orgs: '*', scopes: ['read'] },
      { key: K2, orgs: ['acme'], scopes: ['write'] },
    ]);
  });

  const bad: Array<[string, RegExp]> = [
    [`short-key:acme:write`, /at least 16/],
    [`${K1}:acme`, /key:orgs:scopes/],
    [`${K1}:acme:write:read`, /key:orgs:scopes/],
    [`${K1}::write`, /at least one org/],
    [`${K1}:acme:`, /at least one scope/],
    [`${K1}:acme:admin`, /scopes are write, read and curate/],
    [`${K1}:*,acme:read`, /cannot be listed/],
    [`${K1}:acme:read;${K1}:beta:read`, /twice/],
  ];
  for (const [value, mention] of bad) {
    it(`rejects INGEST_API_KEYS=${value} naming the variable`, () => {
      rejects({ INGEST_API_KEYS: value }, 'INGEST_API_KEYS', mention);
    });
  }

  it('never puts a rejected key in the message', () => {
    assert.throws(
      () => loadConfig({ INGEST_API_KEYS: 'tooshort-secret:acme:read' }),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('tooshort-secret'),
    );
  });

  it('rejects a bad keys file naming INGEST_API_KEYS_FILE', async () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /not valid JSON/],
      [JSON.stringify({ key: K1 }), /JSON array/],
      [JSON.stringify([{ key: 'short', orgs: ['acme'], scopes: ['read'] }]), /at least 16/],
      [JSON.stringify([{ key: K1, orgs: 'acme', scopes: ['read'] }]), /orgs must be/],
      [
        JSON.stringify([{ key: K1, orgs: ['acme'], scopes: ['delete'] }]),
        /scopes are write, read and curate/,
      ],
    ];
    for (const [i, [text, mention]] of cases.entries()) {
      const file = path.join(dir, `bad-${i}.json`);
      await writeFile(file, text);
      rejects({ INGEST_API_KEYS_FILE: file }, 'INGEST_API_KEYS_FILE', mention);
    }
    rejects(
      { INGEST_API_KEYS_FILE: path.join(dir, 'missing.json') },
      'INGEST_API_KEYS_FILE',
      /cannot be read/,
    );
  });
});

describe('the key table', () => {
  it('is undefined without keys, and finds a key by its digest', () => {
    assert.equal(buildKeyTable([]), undefined);
    const table = buildKeyTable([{ key: K1, orgs: ['acme'], scopes: ['read'] }]);
    assert.ok(table !== undefined);
    const grant = lookupKey(table, K1);
    assert.ok(grant !== undefined);
    assert.deepEqual([...(grant.orgs ?? [])], ['acme']);
    assert.equal(grant.read, true);
    assert.equal(grant.write, false);
    assert.equal(lookupKey(table, K2), undefined);
    assert.equal(lookupKey(table, K1.slice(0, -1)), undefined);
    assert.equal(lookupKey(table, ''), undefined);
  });
});
