// The files users deploy (docker-compose.yml, k8s/, docs/deployment.md, the README) checked
// against the one source of the settings and their defaults, src/config.ts (configVariables).
// A value that differs from the code's default is allowed only when it is listed below with
// the reason: everything else must be the default, so changing a default in the code fails
// here until the deployment files follow.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { configVariables, type ConfigVariable } from '../../../src/config.ts';
import { isMap, parseYamlDocuments, type Yaml, type YamlMap } from '../../helpers/yaml-subset.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

const variables = configVariables();
const byName = new Map(variables.map((v) => [v.name, v]));
const secretNames = variables.filter((v) => v.secret).map((v) => v.name);
const ingestPort = Number(byName.get('INGEST_PORT')?.default);

/** Values in k8s/configmap.yaml that are not the code's default, on purpose. */
const CONFIGMAP_OVERRIDES: ReadonlyMap<string, string> = new Map([
  ['KAFKA_BROKERS', 'the manifests deploy Kafka mode; the broker Service in the namespace'],
  ['CLICKHOUSE_URL', 'every role uses the ClickHouse server, so none opens an embedded store'],
  ['CLICKHOUSE_USER', 'a user of its own on the server, as in compose, not the server admin `default`'],
  ['KAFKA_REPLICATION_FACTOR', 'three replicas on a cluster of three or more brokers'],
  ['OLLAMA_HOST', 'an Ollama Service in the namespace, for LLM_PROVIDER=ollama'],
]);

/**
 * Not in k8s/configmap.yaml's data, and why. Each must still be named in a comment there, so the
 * file lists every setting. Defaults computed from other settings (derivedFrom) are left out
 * of the data as well: pinning one stops it following the settings it is computed from.
 */
const CONFIGMAP_OMITTED: ReadonlyMap<string, string> = new Map([
  ['ROLE', 'set by each Deployment'],
  ['KAFKA_INSTANCE_ID', "set by each Deployment, from the pod's name"],
  ['BENCH_DISCARD_LOGS', 'benchmarks only'],
  ['DATA_DIR', 'standalone only: with CLICKHOUSE_URL no role opens an embedded store'],
  ['INGEST_WAL_SYNC', 'standalone only: in Kafka mode the broker holds an accepted log'],
  ['INGEST_WAL_MAX_BYTES', 'standalone only'],
  ['CLICKHOUSE_EMBEDDED_CACHE_MB', 'standalone only: the embedded engine'],
  ['CLICKHOUSE_EMBEDDED_MAX_MEMORY_MB', 'standalone only: the embedded engine'],
  ['CLICKHOUSE_EMBEDDED_DIRTY_DECAY_MS', 'standalone only: the embedded engine'],
]);

/** Values in docker-compose.yml's role environments that are not the code's default, on purpose. */
const COMPOSE_OVERRIDES: ReadonlyMap<string, string> = new Map([
  ['ROLE', 'one per service'],
  ['KAFKA_BROKERS', 'the compose Kafka service'],
  ['CLICKHOUSE_URL', 'the compose ClickHouse server: no role opens an embedded store'],
  ['CLICKHOUSE_USER', 'the user the compose ClickHouse server creates at start (as in k8s)'],
  ['CLICKHOUSE_PASSWORD', 'its password; the server is not published on the host'],
  ['OLLAMA_HOST', 'the compose Ollama service (profile llm)'],
]);

/** The role services of docker-compose.yml: those that set ROLE. */
const ROLES = ['ingest', 'matcher', 'generator', 'writer'];

/** Memory measured per role (docs/benchmarks.md and issue 15), in MB, that a limit must exceed. */
const MEASURED_PEAK_MB: Readonly<Record<string, number>> = {
  // bench:kafka after the fetch fix: peak RSS with a 200,000-log backlog. Steady, holding 2,290
  // templates: 324-340 MB.
  matcher: 477,
};

function docs(file: string): YamlMap[] {
  return parseYamlDocuments(read(file)).map((doc) => {
    assert.ok(isMap(doc), `${file}: a document is not a map`);
    return doc;
  });
}

function at(value: Yaml | undefined, ...keys: (string | number)[]): Yaml | undefined {
  let v = value;
  for (const key of keys) {
    if (typeof key === 'number') v = Array.isArray(v) ? v[key] : undefined;
    else v = isMap(v) ? v[key] : undefined;
  }
  return v;
}

/** The scalar at a path; a test failure, not '[object Object]', when it is anything else. */
function str(value: Yaml | undefined, ...keys: (string | number)[]): string {
  const v = keys.length === 0 ? value : at(value, ...keys);
  assert.equal(typeof v, 'string', `expected a scalar at ${keys.join('.')}`);
  return v as string;
}

function mapAt(value: Yaml | undefined, ...keys: (string | number)[]): YamlMap {
  const v = at(value, ...keys);
  assert.ok(isMap(v), `expected a map at ${keys.join('.')}`);
  return v;
}

function stringsOf(map: YamlMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) {
    assert.equal(typeof v, 'string', `${k} is not a scalar`);
    out[k] = v as string;
  }
  return out;
}

/** What a variable set to `value` amounts to: every reader treats an empty value as unset. */
function isDefault(v: ConfigVariable, value: string): boolean {
  return value === '' || value === v.default;
}

/** 'Mi' and 'Gi' quantities in bytes. */
function bytes(quantity: Yaml | undefined): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(str(quantity));
  assert.ok(m !== null, `memory quantity ${str(quantity)}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 ** 3 : 1024 ** 2);
}

const configMapText = read('k8s/configmap.yaml');
const configMap = stringsOf(mapAt(docs('k8s/configmap.yaml')[0], 'data'));
const secret = stringsOf(mapAt(docs('k8s/secret.yaml')[0], 'stringData'));

const k8sDocs = readdirSync(path.join(root, 'k8s'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => docs(`k8s/${f}`));
const deployments = k8sDocs.filter((d) => d.kind === 'Deployment');
const services = new Map(
  k8sDocs.filter((d) => d.kind === 'Service').map((d) => [str(d, 'metadata', 'name'), d]),
);

const compose = docs('docker-compose.yml')[0]!;
const composeServices = mapAt(compose, 'services');

/** `${NAME:-default}` as [NAME, default]; a literal as [undefined, literal]. */
function composeValue(value: string): [string | undefined, string] {
  const m = /^\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}$/.exec(value);
  if (m !== null) return [m[1], m[2] ?? ''];
  assert.ok(!value.includes('${'), `compose value ${value}: only a whole \${NAME:-default} is read here`);
  return [undefined, value];
}

/** [host address, host port, container port] of each published port of a compose service. */
function published(service: string): [string, number, number][] {
  const ports = at(composeServices, service, 'ports');
  if (ports === undefined) return [];
  assert.ok(Array.isArray(ports), `${service}: ports`);
  return ports.map((p) => {
    assert.equal(typeof p, 'string', `${service}: use the short form "127.0.0.1:host:container"`);
    const m = /^(?:(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):)?(\d+):(\d+)(?:\/tcp)?$/.exec(p as string);
    assert.ok(m !== null, `${service}: port ${str(p)}`);
    return [m[1] ?? '', Number(m[2]), Number(m[3])];
  });
}

function servicePort(name: string): number {
  const s = services.get(name);
  assert.ok(s !== undefined, `k8s Service ${name}`);
  return Number(at(s, 'spec', 'ports', 0, 'port'));
}

describe('deployment files agree with src/config.ts', () => {
  it('k8s/configmap.yaml: every non-secret setting at its default, or an override listed here', () => {
    const problems: string[] = [];
    for (const v of variables) {
      if (v.secret) continue;
      const omitted = CONFIGMAP_OMITTED.has(v.name) || v.derivedFrom !== undefined;
      if (omitted) {
        if (v.name in configMap)
          problems.push(
            `${v.name}: not to be pinned (${CONFIGMAP_OMITTED.get(v.name) ?? `follows ${v.derivedFrom}`})`,
          );
        else if (!new RegExp(`^\\s*#.*\\b${v.name}\\b`, 'm').test(configMapText))
          problems.push(`${v.name}: name it in a comment`);
        continue;
      }
      if (!(v.name in configMap)) problems.push(`${v.name}: missing`);
      else if (!CONFIGMAP_OVERRIDES.has(v.name) && configMap[v.name] !== (v.default ?? ''))
        problems.push(`${v.name}: ${configMap[v.name]} is not the default ${v.default}`);
    }
    for (const name of Object.keys(configMap)) {
      if (!byName.has(name)) problems.push(`${name}: not a setting the service reads`);
    }
    assert.deepEqual(problems, []);
  });

  it('k8s: every secret setting has a slot in secret.yaml and none is in the ConfigMap', () => {
    assert.deepEqual(Object.keys(secret).sort(), [...secretNames].sort());
    for (const name of secretNames) assert.ok(!(name in configMap), `${name} in configmap.yaml`);
  });

  it('k8s: each Deployment sets its ROLE and KAFKA_INSTANCE_ID and serves on INGEST_PORT', () => {
    assert.equal(deployments.length, ROLES.length);
    assert.equal(configMap.INGEST_PORT, String(ingestPort));
    for (const d of deployments) {
      const container = mapAt(d, 'spec', 'template', 'spec', 'containers', 0);
      const env = at(container, 'env');
      assert.ok(Array.isArray(env));
      const names = env.map((e) => str(e, 'name'));
      assert.ok(names.includes('ROLE') && names.includes('KAFKA_INSTANCE_ID'), str(d, 'metadata', 'name'));
      for (const name of names) assert.ok(!secretNames.includes(name), `${name} set in a Deployment`);
      const role = str(
        env.find((e) => at(e, 'name') === 'ROLE'),
        'value',
      );
      assert.ok(ROLES.includes(role), role);
      assert.equal(Number(at(container, 'ports', 0, 'containerPort')), ingestPort, role);
      assert.equal(
        Number(at(d, 'spec', 'template', 'metadata', 'annotations', 'prometheus.io/port')),
        ingestPort,
      );
      const requested = bytes(at(container, 'resources', 'requests', 'memory'));
      const limit = bytes(at(container, 'resources', 'limits', 'memory'));
      assert.ok(requested <= limit, `${role}: memory request above its limit`);
      const measured = MEASURED_PEAK_MB[role];
      if (measured !== undefined)
        assert.ok(limit > measured * 1e6, `${role}: limit under the measured ${measured} MB`);
    }
  });

  it('docker-compose.yml: role settings at the code default (or empty), or an override listed here', () => {
    const problems: string[] = [];
    for (const role of ROLES) {
      const env = stringsOf(mapAt(composeServices, role, 'environment'));
      assert.equal(env.ROLE, role);
      for (const [name, value] of Object.entries(env)) {
        const v = byName.get(name);
        if (v === undefined) {
          problems.push(`${role}: ${name} is not a setting the service reads`);
          continue;
        }
        const [from, fallback] = composeValue(value);
        if (from !== undefined && from !== name) problems.push(`${role}: ${name} read from \${${from}}`);
        if (v.secret && from === undefined) problems.push(`${role}: ${name} is a secret written in the file`);
        if (!COMPOSE_OVERRIDES.has(name) && !isDefault(v, fallback))
          problems.push(`${role}: ${name}=${fallback} is not the default ${v.default}`);
      }
      if (env.INGEST_API_KEYS !== '${INGEST_API_KEYS:-}')
        problems.push(`${role}: INGEST_API_KEYS not passed through`);
    }
    assert.deepEqual(problems, []);
  });

  it('docker-compose.yml: every published port is bound to 127.0.0.1', () => {
    for (const service of Object.keys(composeServices)) {
      for (const [host, hostPort] of published(service)) {
        assert.equal(host, '127.0.0.1', `${service}: port ${hostPort} on every interface`);
      }
    }
  });

  it('docker-compose.yml: the Kafka image is the version kafka:up runs', () => {
    const version = /^KAFKA_VERSION="\$\{KAFKA_VERSION:-([^}]+)\}"$/m.exec(
      read('scripts/kafka/common.sh'),
    )?.[1];
    assert.ok(version !== undefined);
    assert.equal(str(composeServices, 'kafka', 'image'), `apache/kafka:${version}`);
  });

  it('CLICKHOUSE_USER is the same in compose (roles and server) and k8s', () => {
    const roles = composeValue(str(composeServices, 'ingest', 'environment', 'CLICKHOUSE_USER'))[1];
    const server = composeValue(str(composeServices, 'clickhouse', 'environment', 'CLICKHOUSE_USER'))[1];
    assert.equal(server, roles);
    assert.equal(configMap.CLICKHOUSE_USER, roles);
  });

  it('the ingest and writer ports agree across compose, k8s, the README and docs/deployment.md', () => {
    const hostPort = (service: string): number => {
      const ports = published(service).filter(([, , container]) => container === ingestPort);
      assert.equal(ports.length, 1, `${service}: one published port`);
      return ports[0]![1];
    };
    const ingest = hostPort('ingest');
    const writer = hostPort('writer');
    assert.equal(ingest, ingestPort);
    assert.notEqual(writer, ingest);
    assert.equal(servicePort('log-ingest'), ingest);
    assert.equal(servicePort('log-ingest-writer'), writer);

    const readme = read('README.md');
    assert.equal(/INGEST_PORT=(\d+) npm start -- writer/.exec(readme)?.[1], String(writer), 'README writer');
    assert.equal(/INGEST_PORT=(\d+) npm start -- ingest/.exec(readme)?.[1], String(ingest), 'README ingest');
    const deployment = read('docs/deployment.md');
    assert.equal(/Service `log-ingest` \(port (\d+)/.exec(deployment)?.[1], String(ingest), 'docs Service');
    assert.equal(
      /Service `log-ingest-writer` \(port (\d+)/.exec(deployment)?.[1],
      String(writer),
      'docs Service',
    );
    assert.match(deployment, new RegExp(`^\\| 127\\.0\\.0\\.1:${ingest} +\\| the ingest role`, 'm'));
    assert.match(deployment, new RegExp(`^\\| 127\\.0\\.0\\.1:${writer} +\\| the writer role`, 'm'));
  });
});

/** The rows of the markdown table under `heading`: first cell (a `NAME`) to second. */
function settingsTable(text: string, heading: string): Map<string, string> {
  const start = text.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `no "${heading}"`);
  const rows = new Map<string, string>();
  const section = text.slice(start + heading.length + 2);
  const end = section.search(/^#{1,3} /m);
  for (const line of (end < 0 ? section : section.slice(0, end)).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([A-Z0-9_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name !== undefined) rows.set(name, cells[2] ?? '');
  }
  return rows;
}

/** A table's default cell says the default: `value`, empty, unset, or (computed) anything. */
function saysDefault(v: ConfigVariable, cell: string): boolean {
  if (v.derivedFrom !== undefined) return true;
  if (v.default === undefined) return /unset/.test(cell);
  if (v.default === '') return /empty/.test(cell);
  return cell.includes(`\`${v.default}\``);
}

describe('docs agree with src/config.ts', () => {
  it("docs/deployment.md's settings table lists every setting with its default", () => {
    const table = settingsTable(read('docs/deployment.md'), '## Settings');
    const problems: string[] = [];
    for (const v of variables) {
      const cell = table.get(v.name);
      if (cell === undefined) problems.push(`${v.name}: missing`);
      else if (!saysDefault(v, cell)) problems.push(`${v.name}: ${cell} is not the default ${v.default}`);
    }
    for (const name of table.keys()) if (!byName.has(name)) problems.push(`${name}: not a setting`);
    assert.deepEqual(problems, []);
  });

  it("the README's configuration table states the code's defaults", () => {
    const table = settingsTable(read('README.md'), '## Configuration');
    const problems: string[] = [];
    for (const [name, cell] of table) {
      const v = byName.get(name);
      if (v === undefined) problems.push(`${name}: not a setting`);
      else if (!saysDefault(v, cell)) problems.push(`${name}: ${cell} is not the default ${v.default}`);
    }
    assert.deepEqual(problems, []);
  });
});
