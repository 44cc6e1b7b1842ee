import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from './errors.ts';
import { orgProblem } from './model/org.ts';

/** Per-log size limits (INGEST_MAX_* in config); a log over one is refused, never truncated. */
export interface ValidationLimits {
  /** Longest message, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Most metadata keys, after nulls are dropped. */
  readonly maxMetadataKeys: number;
  /** Largest metadata, UTF-8 bytes of every key and value as stored. */
  readonly maxMetadataBytes: number;
}

export const DEFAULT_LIMITS: ValidationLimits = Object.freeze({
  maxMessageBytes: 65_536,
  maxMetadataKeys: 64,
  maxMetadataBytes: 16_384,
});

/** Most logs in one request (INGEST_MAX_LOGS_PER_REQUEST); more and the request gets 413. */
export const DEFAULT_MAX_LOGS_PER_REQUEST = 10_000;

/** KAFKA_FETCH_MAX_BYTES: why this size, docs/benchmarks.md "Kafka matcher memory". */
export const DEFAULT_FETCH_MAX_BYTES = 1024 * 1024;

export type GeneratorName = 'builtin' | 'openai' | 'ollama';

/** What one process runs; `all` is every stage (standalone, or over Kafka with KAFKA_BROKERS). */
export type Role = 'all' | 'ingest' | 'matcher' | 'generator' | 'writer';
export const ROLES: readonly Role[] = ['all', 'ingest', 'matcher', 'generator', 'writer'];

/** write: send logs; read: read logs and templates; curate: change templates' curation (model/curation.ts). */
export type ApiScope = 'write' | 'read' | 'curate';

/** LOG_FORMAT: `auto` is readable text on a terminal and JSON lines otherwise (logger.ts). */
export type LogFormatSetting = 'auto' | 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormatSetting[] = ['auto', 'json', 'pretty'];

/** One API key: the orgs it may write and read (`'*'`: every org) and what it may do. */
export interface ApiKeyConfig {
  readonly key: string;
  readonly orgs: readonly string[] | '*';
  readonly scopes: readonly ApiScope[];
}

export interface Config {
  readonly role: Role;
  /** No keys: the HTTP API is open (a warning at start says so). */
  readonly auth: { readonly keys: readonly ApiKeyConfig[] };
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** Largest request body in bytes, counted after gzip decompression. */
    readonly bodyLimitBytes: number;
    /** Headers and body must have arrived within this long (408 otherwise); also the idle limit before the first request. */
    readonly requestTimeoutSecs: number;
    /** Open connections at most (503 beyond); 0: no cap. */
    readonly maxConnections: number;
    /** Open connections from one client address at most (429 beyond); 0: no cap. */
    readonly maxConnectionsPerClient: number;
    /** OTLP/HTTP's standard port (4318) for POST /v1/logs alone, beside `port`; 0: off. */
    readonly otlpPort: number;
    /**
     * Request threads, the main one included: `threads - 1` workers parse, validate, match and
     * encode request bodies (threads/); 1: none, every body on the main thread (the path before
     * issue 19). Standalone only.
     */
    readonly threads: number;
  };
  /** Input limits: a log over one is refused (per log); too many logs refuse the request (413). */
  readonly limits: {
    readonly maxMessageBytes: number;
    readonly maxMetadataKeys: number;
    readonly maxMetadataBytes: number;
    readonly maxLogsPerRequest: number;
  };
  /**
   * Logs per second per org at ingest (0: no limit). The other per-org quotas are
   * llm.maxCallsPerOrgPerMin and generate.maxTemplatesPerOrg.
   */
  readonly rateLimit: {
    readonly logsPerSec: number;
    /** Logs an org may send at once after being idle; at least maxLogsPerRequest. */
    readonly burstLogs: number;
  };
  /**
   * Orgs (tenants). `max`: orgs one service takes logs of (0: no ceiling); a log of one more org
   * is refused (TOO_MANY_ORGS). Orgs named in API keys are always taken. `idleUnloadSecs`: an
   * org that sent nothing for this long has its matching index dropped from memory, rebuilt
   * from its templates at its next log (0: never).
   */
  readonly orgs: { readonly max: number; readonly idleUnloadSecs: number };
  /**
   * A log sent without a timestamp or level takes them from its line's header
   * (ingest/line-fields.ts): on for every org but `offOrgs`, or off for all.
   */
  readonly lineFields: { readonly on: boolean; readonly offOrgs: readonly string[] };
  readonly clickhouse: {
    /** Unset: the embedded engine (chdb) with its data in `dataDir`. */
    readonly url: string | undefined;
    readonly user: string;
    readonly password: string;
    readonly database: string;
    readonly dataDir: string;
    readonly bufferSize: number;
    readonly flushIntervalSecs: number;
    /** Ceiling of rows held in memory (buffered plus in flight); above it ingestion answers 503. */
    readonly bufferMaxRows: number;
    readonly retentionDays: number;
    readonly retryInitialBackoffMs: number;
    readonly retryMaxBackoffMs: number;
    /**
     * Benchmarks only (bench:ingest): the log writer encodes each batch and drops it instead of
     * inserting it, so the request path is measured without storage as the limit.
     */
    readonly discardLogs: boolean;
    /**
     * The embedded engine's own memory (store/client.ts), given to it at start; 0 keeps the
     * engine's default. `cacheMb`: the most each of its caches (marks, primary index, text index,
     * query conditions) holds; `maxMemoryMb`: the most it takes in all (max_server_memory_usage).
     * `dirtyDecayMs`: how long its allocator keeps freed pages before giving them back to the
     * system (jemalloc's dirty_decay_ms; -1 keeps the engine's own, 5 s).
     */
    readonly embedded: {
      readonly cacheMb: number;
      readonly maxMemoryMb: number;
      readonly dirtyDecayMs: number;
    };
  };
  readonly llm: {
    readonly provider: GeneratorName;
    readonly apiKey: string;
    readonly model: string;
    readonly batchSize: number;
    readonly batchTimeoutSecs: number;
    readonly maxConcurrentBatches: number;
    readonly maxRetries: number;
    readonly initialBackoffMs: number;
    /** OpenAI-compatible API root for LLM_PROVIDER=openai (vLLM, llama.cpp, LM Studio, or OpenAI). */
    readonly baseUrl: string;
    /** Ollama server for LLM_PROVIDER=ollama. */
    readonly ollamaHost: string;
    /** One request to the model; a timed-out request counts as a failed, retryable attempt. */
    readonly timeoutMs: number;
    /** Calls (retries included) one org may make per minute; over it, the miner. 0: no budget. */
    readonly maxCallsPerOrgPerMin: number;
  };
  readonly generate: {
    /** Ceiling of unmatched logs waiting for a template; above it ingestion answers 503. */
    readonly queueMaxLogs: number;
    /** Templates one org may have; beyond it new kinds of line are stored without a template. */
    readonly maxTemplatesPerOrg: number;
  };
  /** Standalone's write-ahead log (wal/); Kafka mode's acknowledgement is the broker's. */
  readonly wal: {
    /**
     * What a 200 promises. `write`: the logs are in the WAL file (a crash of the process loses
     * nothing); `fsync`: and on disk (nor does a power loss); `off`: in memory only (a crash
     * loses what storage has not yet written).
     */
    readonly sync: 'write' | 'fsync' | 'off';
    readonly dir: string;
    /** Ceiling of WAL bytes on disk; above it ingestion answers 503 until storage catches up. */
    readonly maxBytes: number;
    readonly segmentBytes: number;
  };
  readonly kafka: KafkaConfig;
  readonly syslog: SyslogConfig;
  readonly logLevel: string;
  /** How the service's own log is written: JSON lines, readable text, or by whether stdout is a terminal. */
  readonly logFormat: LogFormatSetting;
  readonly shutdownTimeoutSecs: number;
  /** Where a JSON event goes when an org gets a new template (signals/webhook.ts); unset: off. */
  readonly templateWebhookUrl: string | undefined;
  /**
   * Rate jumps (signals/rate-jumps.ts): every `windowSecs` the writer compares each template's
   * count in the window that just ended with its rate in the `baselineWindows` windows before;
   * a rate `factor` times as high or more (and significant) is an event. factor 0: off.
   */
  readonly rateJumps: {
    readonly factor: number;
    readonly windowSecs: number;
    readonly baselineWindows: number;
  };
}

export interface KafkaConfig {
  /** `host:port` each; undefined (KAFKA_BROKERS unset): standalone, no Kafka. */
  readonly brokers: readonly string[] | undefined;
  readonly clientId: string;
  /**
   * Makes the transactional ids of this process's matcher and generator unique; a restarted
   * process with the same id fences its predecessor's open transaction at once.
   */
  readonly instanceId: string;
  /** Logs the ingest role has sent and the broker not yet acknowledged; above it, 503. */
  readonly producePendingMaxLogs: number;
  /** Bytes one fetch of a consumer may return: what a matcher or writer decodes at once. */
  readonly fetchMaxBytes: number;
  readonly topics: {
    readonly raw: string;
    readonly unmatched: string;
    readonly matched: string;
    /** Compacted: key = org + template id, a null value deletes. */
    readonly templates: string;
    readonly deadLetter: string;
  };
  /** For the topics the service creates; existing topics keep theirs. */
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly groups: {
    readonly matcher: string;
    readonly writer: string;
    readonly generator: string;
  };
}

/**
 * The syslog input (RFC 5424 and RFC 3164 over TCP and UDP): off unless SYSLOG_PORT is set.
 * Syslog presents no key and names no org, so every message goes to `org`, unauthenticated.
 */
export interface SyslogConfig {
  /** TCP and UDP port; 0: off. */
  readonly port: number;
  readonly host: string;
  /** The org every syslog message is stored under; required when the port is set. */
  readonly org: string;
  /** Largest frame or datagram (header, structured data and message), in bytes. */
  readonly maxMessageBytes: number;
  /** Open TCP connections at most (0: no cap), and from one client address at most. */
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  /** A TCP connection that sends nothing for this long is closed. */
  readonly idleTimeoutSecs: number;
  /** A frame begun must have arrived whole within this long, or its connection is closed. */
  readonly frameTimeoutSecs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** One environment variable loadConfig reads, recorded as it is read (see configVariables). */
export interface ConfigVariable {
  readonly name: string;
  /**
   * The default as the environment would spell it, with every other variable at its default;
   * undefined: unset means none or off (CLICKHOUSE_URL, KAFKA_BROKERS, INGEST_API_KEYS).
   */
  readonly default: string | undefined;
  /**
   * Set when the default is computed from other settings or from the machine: what it follows.
   * A deployment file that pins the value stops it following them.
   */
  readonly derivedFrom: string | undefined;
  /** Keys and passwords: a Secret's business, never a ConfigMap's or a log's. */
  readonly secret: boolean;
}

/** A default computed from other settings; `from` says from what, for configVariables(). */
interface Derived<T> {
  readonly value: T;
  readonly from: string;
}
type Fallback<T> = T | Derived<T>;

function derived<T extends string | number>(value: T, from: string): Derived<T> {
  return { value, from };
}

function valueOf<T extends string | number>(fallback: Fallback<T>): T {
  return typeof fallback === 'object' ? fallback.value : fallback;
}

/**
 * The environment, and every variable read from it so far with its default. The readers below
 * record as they read, so the list of variables and their defaults is the code that reads them,
 * not a copy of it.
 */
interface Source {
  readonly env: Env;
  readonly read: Map<string, ConfigVariable>;
  /** A variable read twice with two defaults: a bug configVariables() reports. */
  readonly conflicts: string[];
}

function take(
  src: Source,
  name: string,
  fallback: Fallback<string | number> | undefined,
  secret = false,
): string | undefined {
  const variable: ConfigVariable = {
    name,
    default: fallback === undefined ? undefined : String(valueOf(fallback)),
    derivedFrom: typeof fallback === 'object' ? fallback.from : undefined,
    secret,
  };
  const earlier = src.read.get(name);
  if (earlier === undefined) src.read.set(name, variable);
  else if (earlier.default !== variable.default || earlier.secret !== secret) src.conflicts.push(name);
  return src.env[name];
}

function readString(src: Source, name: string, fallback: Fallback<string>): string {
  const raw = take(src, name, fallback);
  return raw === undefined || raw === '' ? valueOf(fallback) : raw;
}

/** A key or password: empty when unset, marked secret. */
function readSecret(src: Source, name: string): string {
  return take(src, name, '', true) ?? '';
}

function readInt(
  src: Source,
  name: string,
  fallback: Fallback<number>,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = take(src, name, fallback);
  if (raw === undefined || raw === '') return valueOf(fallback);
  if (!/^-?\d+$/.test(raw.trim()))
    throw new ConfigError(name, `expected an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function readNumber(src: Source, name: string, fallback: number, min: number, max: number): number {
  const raw = take(src, name, fallback);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new ConfigError(name, `expected a number, got ${JSON.stringify(raw)}`);
  }
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readChoice<T extends string>(src: Source, name: string, fallback: T, choices: readonly T[]): T {
  const raw = readString(src, name, fallback).toLowerCase();
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

function readUrl(src: Source, name: string): string | undefined;
function readUrl(src: Source, name: string, fallback: string): string;
function readUrl(src: Source, name: string, fallback?: string): string | undefined {
  const raw = take(src, name, fallback);
  if (raw === undefined || raw === '') return fallback;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new ConfigError(name, `expected an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function readIdentifier(src: Source, name: string, fallback: string): string {
  const value = readString(src, name, fallback);
  // The database name is put into DDL, where it cannot be a bound parameter.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new ConfigError(name, `must be letters, digits and underscores, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A comma-separated list of orgs, each a valid org name; empty when unset. */
function readOrgList(src: Source, name: string): string[] {
  const raw = readString(src, name, '');
  if (raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const org = part.trim();
    const bad = orgProblem(org);
    if (bad !== undefined) throw new ConfigError(name, `${JSON.stringify(org)}: ${bad.message}`);
    return org;
  });
}

function readBrokers(src: Source, name: string): string[] | undefined {
  const raw = take(src, name, undefined);
  if (raw === undefined || raw.trim() === '') return undefined;
  const brokers = raw.split(',').map((s) => s.trim());
  for (const broker of brokers) {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(broker);
    const port = Number(match?.[2]);
    if (match === null || port < 1 || port > 65535) {
      throw new ConfigError(
        name,
        `expected a comma-separated list of host:port, got ${JSON.stringify(broker)}`,
      );
    }
  }
  return brokers;
}

function readTopic(src: Source, name: string, fallback: string): string {
  const value = readString(src, name, fallback);
  // What the broker accepts as a topic name; checked here so a typo fails at start, by name.
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value) || value === '.' || value === '..') {
    throw new ConfigError(
      name,
      `must be 1-249 letters, digits, '.', '_' or '-', got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function readKafka(src: Source): KafkaConfig {
  const topics = {
    raw: readTopic(src, 'KAFKA_TOPIC_RAW', 'logs.raw'),
    unmatched: readTopic(src, 'KAFKA_TOPIC_UNMATCHED', 'logs.unmatched'),
    matched: readTopic(src, 'KAFKA_TOPIC_MATCHED', 'logs.matched'),
    templates: readTopic(src, 'KAFKA_TOPIC_TEMPLATES', 'templates'),
    deadLetter: readTopic(src, 'KAFKA_TOPIC_DEAD_LETTER', 'logs.dead-letter'),
  };
  // Two roles of the pipeline on one topic would feed each other's messages to the wrong codec.
  const seen = new Map<string, string>();
  for (const [variable, topic] of [
    ['KAFKA_TOPIC_RAW', topics.raw],
    ['KAFKA_TOPIC_UNMATCHED', topics.unmatched],
    ['KAFKA_TOPIC_MATCHED', topics.matched],
    ['KAFKA_TOPIC_TEMPLATES', topics.templates],
    ['KAFKA_TOPIC_DEAD_LETTER', topics.deadLetter],
  ] as const) {
    const other = seen.get(topic);
    if (other !== undefined) throw new ConfigError(variable, `names the same topic as ${other}: ${topic}`);
    seen.set(topic, variable);
  }
  return {
    brokers: readBrokers(src, 'KAFKA_BROKERS'),
    clientId: readString(src, 'KAFKA_CLIENT_ID', 'log-ingest'),
    instanceId: readString(
      src,
      'KAFKA_INSTANCE_ID',
      derived(`${os.hostname()}-${process.pid}`, 'the host name and the process id'),
    ),
    producePendingMaxLogs: readInt(src, 'KAFKA_PRODUCE_PENDING_MAX_LOGS', 100_000, 1),
    // Below 64 KiB a fetch is a round trip per few hundred logs; above 64 MiB one fetch alone
    // is more than a matcher's memory. (A first record larger than the limit still comes.)
    fetchMaxBytes: readInt(
      src,
      'KAFKA_FETCH_MAX_BYTES',
      DEFAULT_FETCH_MAX_BYTES,
      64 * 1024,
      64 * 1024 * 1024,
    ),
    topics,
    partitions: readInt(src, 'KAFKA_PARTITIONS', 6, 1, 10_000),
    replicationFactor: readInt(src, 'KAFKA_REPLICATION_FACTOR', 1, 1, 32_767),
    groups: {
      matcher: readString(src, 'KAFKA_GROUP_MATCHER', 'log-ingest-matcher'),
      writer: readString(src, 'KAFKA_GROUP_WRITER', 'log-ingest-writer'),
      generator: readString(src, 'KAFKA_GROUP_GENERATOR', 'log-ingest-generator'),
    },
  };
}

/** Shortest API key accepted: a guessable key is no key. */
export const MIN_API_KEY_LENGTH = 16;
const API_SCOPES: readonly ApiScope[] = ['write', 'read', 'curate'];

function checkApiKey(name: string, where: string, key: unknown): string {
  if (typeof key !== 'string' || key.length < MIN_API_KEY_LENGTH) {
    // Never echo the key itself: the message ends up in logs.
    throw new ConfigError(name, `${where}: a key must be at least ${MIN_API_KEY_LENGTH} characters`);
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new ConfigError(name, `${where}: a key must be printable ASCII without spaces`);
  }
  return key;
}

function checkOrgs(name: string, where: string, orgs: readonly unknown[]): readonly string[] | '*' {
  if (orgs.length === 0) throw new ConfigError(name, `${where}: at least one org (or *) is required`);
  if (orgs.includes('*')) {
    if (orgs.length > 1) throw new ConfigError(name, `${where}: * (every org) cannot be listed with orgs`);
    return '*';
  }
  for (const org of orgs) {
    if (typeof org !== 'string' || org.trim() === '' || org !== org.trim()) {
      throw new ConfigError(name, `${where}: orgs must be non-empty strings, got ${JSON.stringify(org)}`);
    }
    const bad = orgProblem(org);
    if (bad !== undefined) throw new ConfigError(name, `${where}: ${bad.message}`);
  }
  return [...new Set(orgs as string[])];
}

function checkScopes(name: string, where: string, scopes: readonly unknown[]): readonly ApiScope[] {
  if (scopes.length === 0) throw new ConfigError(name, `${where}: at least one scope is required`);
  for (const scope of scopes) {
    if (!(API_SCOPES as readonly unknown[]).includes(scope)) {
      throw new ConfigError(
        name,
        `${where}: scopes are write, read and curate, got ${JSON.stringify(scope)}`,
      );
    }
  }
  return [...new Set(scopes as ApiScope[])];
}

/**
 * INGEST_API_KEYS: entries separated by `;` (or newlines), each `key:orgs:scopes`, with orgs a
 * comma list or `*` (every org) and scopes `write`, `read`, or both joined by `+` or `,`:
 * `k1…:acme,beta:write+read;k2…:*:read`.
 */
function readApiKeysVariable(src: Source, name: string): ApiKeyConfig[] {
  const raw = take(src, name, undefined, true);
  if (raw === undefined || raw.trim() === '') return [];
  const keys: ApiKeyConfig[] = [];
  const entries = raw
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1}`;
    const parts = entry.split(':');
    if (parts.length !== 3) {
      throw new ConfigError(name, `${where}: expected key:orgs:scopes (e.g. key:acme,beta:write+read)`);
    }
    const [key, orgs, scopes] = parts as [string, string, string];
    keys.push({
      key: checkApiKey(name, where, key.trim()),
      orgs: checkOrgs(
        name,
        where,
        orgs
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ),
      scopes: checkScopes(
        name,
        where,
        scopes
          .split(/[+,]/)
          .map((s) => s.trim().toLowerCase())
          .filter((s) => s !== ''),
      ),
    });
  });
  return keys;
}

/** INGEST_API_KEYS_FILE: a JSON array of `{"key", "orgs": [...] or "*", "scopes": [...]}`, read once. */
function readApiKeysFile(src: Source, name: string): ApiKeyConfig[] {
  // The file's path, not its keys: not secret (in k8s, mount a Secret as the file).
  const file = take(src, name, undefined);
  if (file === undefined || file.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? 'is not valid JSON' : 'cannot be read';
    throw new ConfigError(name, `${JSON.stringify(file)} ${reason}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError(name, 'expected a JSON array of keys');
  return parsed.map((item: unknown, i): ApiKeyConfig => {
    const where = `entry ${i}`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new ConfigError(name, `${where}: expected an object with key, orgs and scopes`);
    }
    const { key, orgs, scopes } = item as Record<string, unknown>;
    if (orgs !== '*' && !Array.isArray(orgs))
      throw new ConfigError(name, `${where}: orgs must be an array of orgs or "*"`);
    if (!Array.isArray(scopes)) throw new ConfigError(name, `${where}: scopes must be an array`);
    return {
      key: checkApiKey(name, where, key),
      orgs: checkOrgs(name, where, orgs === '*' ? ['*'] : (orgs as unknown[])),
      scopes: checkScopes(name, where, scopes as unknown[]),
    };
  });
}

function readApiKeys(src: Source): ApiKeyConfig[] {
  const seen = new Set<string>();
  const keys: ApiKeyConfig[] = [];
  for (const [name, read] of [
    ['INGEST_API_KEYS', readApiKeysVariable],
    ['INGEST_API_KEYS_FILE', readApiKeysFile],
  ] as const) {
    for (const k of read(src, name)) {
      if (seen.has(k.key)) throw new ConfigError(name, 'the same key is listed twice');
      seen.add(k.key);
      keys.push(k);
    }
  }
  return keys;
}

const OPENAI_API_URL = 'https://api.openai.com/v1';

/**
 * The engine's own (5 s). 0, freed pages given back at once, lowered the peak RSS under bench:e2e
 * to 0.85x but cost 1.13x the CPU per stored log (the next insert faults the pages in again):
 * not a small enough cost to be the default (docs/benchmarks.md, "Second round").
 */
const EMBEDDED_DIRTY_DECAY_MS = -1;

/** Default logs per second per org: about half of what one standalone process stores. */
export const DEFAULT_LOGS_PER_SEC_PER_ORG = 50_000;

function readRateLimit(src: Source): Config['rateLimit'] {
  const logsPerSec = readInt(src, 'INGEST_RATE_LIMIT_LOGS_PER_SEC', DEFAULT_LOGS_PER_SEC_PER_ORG, 0);
  const maxLogs = readInt(src, 'INGEST_MAX_LOGS_PER_REQUEST', DEFAULT_MAX_LOGS_PER_REQUEST, 1);
  const burstLogs = readInt(
    src,
    'INGEST_RATE_LIMIT_BURST_LOGS',
    derived(
      Math.max(2 * logsPerSec, maxLogs),
      'twice INGEST_RATE_LIMIT_LOGS_PER_SEC, at least INGEST_MAX_LOGS_PER_REQUEST',
    ),
    1,
  );
  if (logsPerSec > 0 && burstLogs < maxLogs) {
    // A full request would need more than the bucket ever holds: it could never be taken.
    throw new ConfigError(
      'INGEST_RATE_LIMIT_BURST_LOGS',
      `must be at least INGEST_MAX_LOGS_PER_REQUEST (${maxLogs}), got ${burstLogs}`,
    );
  }
  return { logsPerSec, burstLogs };
}

function readWal(src: Source): Config['wal'] {
  const maxBytes = readInt(src, 'INGEST_WAL_MAX_BYTES', 1024 ** 3, 1024 * 1024);
  const segmentBytes = readInt(
    src,
    'INGEST_WAL_SEGMENT_BYTES',
    derived(
      Math.min(32 * 1024 ** 2, Math.floor(maxBytes / 4)),
      'a quarter of INGEST_WAL_MAX_BYTES, at most 32 MiB',
    ),
    64 * 1024,
  );
  if (segmentBytes * 2 > maxBytes) {
    // One segment still being filled and one being stored must both fit under the ceiling.
    throw new ConfigError(
      'INGEST_WAL_SEGMENT_BYTES',
      `must be at most half of INGEST_WAL_MAX_BYTES (${maxBytes})`,
    );
  }
  return {
    sync: readChoice(src, 'INGEST_WAL_SYNC', 'write', ['write', 'fsync', 'off']),
    dir: path.resolve(
      readString(
        src,
        'INGEST_WAL_DIR',
        derived(path.join(readString(src, 'DATA_DIR', './data'), 'wal'), 'DATA_DIR/wal'),
      ),
    ),
    maxBytes,
    segmentBytes,
  };
}

function readSyslog(src: Source): SyslogConfig {
  const port = readInt(src, 'SYSLOG_PORT', 0, 0, 65535);
  // Read again here (same defaults): what the syslog defaults follow.
  const httpHost = readString(src, 'INGEST_HOST', '0.0.0.0');
  const httpPort = readInt(src, 'INGEST_PORT', 3002, 0, 65535);
  const messageBytes = readInt(src, 'INGEST_MAX_MESSAGE_BYTES', DEFAULT_LIMITS.maxMessageBytes, 1);
  const metadataBytes = readInt(src, 'INGEST_MAX_METADATA_BYTES', DEFAULT_LIMITS.maxMetadataBytes, 0);
  const org = readString(src, 'SYSLOG_ORG', '');
  const syslog: SyslogConfig = {
    port,
    host: readString(src, 'SYSLOG_HOST', derived(httpHost, 'INGEST_HOST')),
    org,
    // Room for the largest message and metadata that could be stored, and a header.
    maxMessageBytes: readInt(
      src,
      'SYSLOG_MAX_MESSAGE_BYTES',
      derived(
        messageBytes + metadataBytes + 1024,
        'INGEST_MAX_MESSAGE_BYTES + INGEST_MAX_METADATA_BYTES + 1 KiB of header',
      ),
      64,
      16 * 1024 * 1024,
    ),
    maxConnections: readInt(src, 'SYSLOG_MAX_CONNECTIONS', 1024, 0),
    maxConnectionsPerClient: readInt(src, 'SYSLOG_MAX_CONNECTIONS_PER_CLIENT', 16, 0),
    idleTimeoutSecs: readInt(src, 'SYSLOG_IDLE_TIMEOUT_SECS', 300, 1, 86_400),
    frameTimeoutSecs: readInt(src, 'SYSLOG_FRAME_TIMEOUT_SECS', 30, 1, 3600),
  };
  if (org !== '') {
    const bad = orgProblem(org);
    if (bad !== undefined) throw new ConfigError('SYSLOG_ORG', bad.message);
  }
  if (port !== 0 && org === '') {
    throw new ConfigError('SYSLOG_ORG', 'required with SYSLOG_PORT: syslog has no header to name an org');
  }
  if (port !== 0 && port === httpPort) {
    throw new ConfigError('SYSLOG_PORT', `must differ from INGEST_PORT (${httpPort})`);
  }
  return syslog;
}

/** Parses and validates the environment once; the result is frozen and passed to every stage. */
export function loadConfig(env: Env = process.env): Config {
  return readConfig({ env, read: new Map(), conflicts: [] });
}

/**
 * Every environment variable loadConfig reads, in the order it reads them, with its default and
 * whether it is secret: recorded by reading an empty environment, so it cannot drift from the
 * code. What deployment files and docs/deployment.md are checked against
 * (test/unit/deploy/deployment-files.test.ts). A variable read only under some other setting
 * would be missing: read every variable unconditionally.
 */
export function configVariables(): readonly ConfigVariable[] {
  const src: Source = { env: {}, read: new Map(), conflicts: [] };
  readConfig(src);
  if (src.conflicts.length > 0) {
    throw new Error(`read twice with different defaults: ${[...new Set(src.conflicts)].join(', ')}`);
  }
  return Object.freeze([...src.read.values()].map((v) => Object.freeze(v)));
}

function readConfig(src: Source): Config {
  const bufferSize = readInt(src, 'CLICKHOUSE_BUFFER_SIZE', 1000, 1, 1_000_000);
  const config: Config = {
    role: readChoice<Role>(src, 'ROLE', 'all', ROLES),
    auth: { keys: readApiKeys(src) },
    http: {
      port: readInt(src, 'INGEST_PORT', 3002, 0, 65535),
      host: readString(src, 'INGEST_HOST', '0.0.0.0'),
      bodyLimitBytes: readInt(src, 'INGEST_BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024),
      requestTimeoutSecs: readInt(src, 'INGEST_REQUEST_TIMEOUT_SECS', 30, 1, 3600),
      maxConnections: readInt(src, 'INGEST_MAX_CONNECTIONS', 4096, 0),
      maxConnectionsPerClient: readInt(src, 'INGEST_MAX_CONNECTIONS_PER_CLIENT', 256, 0),
      otlpPort: readInt(src, 'OTLP_HTTP_PORT', 0, 0, 65535),
      threads: readInt(
        src,
        'INGEST_THREADS',
        derived(os.availableParallelism(), 'the cores available to the process (os.availableParallelism())'),
        1,
        64,
      ),
    },
    limits: {
      maxMessageBytes: readInt(src, 'INGEST_MAX_MESSAGE_BYTES', DEFAULT_LIMITS.maxMessageBytes, 1),
      maxMetadataKeys: readInt(src, 'INGEST_MAX_METADATA_KEYS', DEFAULT_LIMITS.maxMetadataKeys, 0),
      maxMetadataBytes: readInt(src, 'INGEST_MAX_METADATA_BYTES', DEFAULT_LIMITS.maxMetadataBytes, 0),
      maxLogsPerRequest: readInt(src, 'INGEST_MAX_LOGS_PER_REQUEST', DEFAULT_MAX_LOGS_PER_REQUEST, 1),
    },
    rateLimit: readRateLimit(src),
    orgs: {
      max: readInt(src, 'ORGS_MAX', 10_000, 0),
      idleUnloadSecs: readInt(src, 'ORG_IDLE_UNLOAD_SECS', 600, 0, 86_400),
    },
    lineFields: {
      on: readChoice(src, 'LINE_FIELDS', 'on', ['on', 'off']) === 'on',
      offOrgs: readOrgList(src, 'LINE_FIELDS_OFF_ORGS'),
    },
    clickhouse: {
      url: readUrl(src, 'CLICKHOUSE_URL'),
      user: readString(src, 'CLICKHOUSE_USER', 'default'),
      password: readSecret(src, 'CLICKHOUSE_PASSWORD'),
      database: readIdentifier(src, 'CLICKHOUSE_DATABASE', 'log_ingest'),
      dataDir: path.resolve(readString(src, 'DATA_DIR', './data')),
      bufferSize,
      flushIntervalSecs: readNumber(src, 'CLICKHOUSE_FLUSH_INTERVAL_SECS', 5, 0.01, 3600),
      bufferMaxRows: readInt(
        src,
        'CLICKHOUSE_BUFFER_MAX_ROWS',
        derived(Math.max(100_000, bufferSize * 10), 'ten times CLICKHOUSE_BUFFER_SIZE, at least 100000'),
        bufferSize,
      ),
      retentionDays: readInt(src, 'LOG_RETENTION_DAYS', 30, 1, 36_500),
      retryInitialBackoffMs: readInt(src, 'CLICKHOUSE_RETRY_INITIAL_BACKOFF_MS', 500, 1, 600_000),
      retryMaxBackoffMs: readInt(src, 'CLICKHOUSE_RETRY_MAX_BACKOFF_MS', 30_000, 1, 3_600_000),
      discardLogs: readChoice(src, 'BENCH_DISCARD_LOGS', 'false', ['true', 'false']) === 'true',
      embedded: {
        cacheMb: readInt(src, 'CLICKHOUSE_EMBEDDED_CACHE_MB', 0, 0, 1024 * 1024),
        maxMemoryMb: readInt(src, 'CLICKHOUSE_EMBEDDED_MAX_MEMORY_MB', 0, 0, 1024 * 1024),
        dirtyDecayMs: readInt(
          src,
          'CLICKHOUSE_EMBEDDED_DIRTY_DECAY_MS',
          EMBEDDED_DIRTY_DECAY_MS,
          -1,
          3_600_000,
        ),
      },
    },
    llm: {
      provider: readChoice<GeneratorName>(src, 'LLM_PROVIDER', 'builtin', ['builtin', 'openai', 'ollama']),
      apiKey: readSecret(src, 'LLM_API_KEY'),
      model: readString(src, 'LLM_MODEL', 'llama3'),
      batchSize: readInt(src, 'LLM_BATCH_SIZE', 10, 1, 10_000),
      batchTimeoutSecs: readNumber(src, 'LLM_BATCH_TIMEOUT_SECS', 2, 0, 3600),
      maxConcurrentBatches: readInt(src, 'LLM_MAX_CONCURRENT_BATCHES', 5, 1, 1000),
      maxRetries: readInt(src, 'LLM_MAX_RETRIES', 3, 1, 100),
      initialBackoffMs: readInt(src, 'LLM_INITIAL_BACKOFF_MS', 1000, 0, 600_000),
      baseUrl: readUrl(src, 'LLM_BASE_URL', OPENAI_API_URL),
      ollamaHost: readUrl(src, 'OLLAMA_HOST', 'http://127.0.0.1:11434'),
      timeoutMs: readInt(src, 'LLM_TIMEOUT_MS', 30_000, 1, 3_600_000),
      maxCallsPerOrgPerMin: readInt(src, 'LLM_MAX_CALLS_PER_ORG_PER_MIN', 60, 0),
    },
    generate: {
      queueMaxLogs: readInt(src, 'UNMATCHED_QUEUE_MAX', 100_000, 1),
      maxTemplatesPerOrg: readInt(src, 'TEMPLATES_MAX_PER_ORG', 20_000, 1),
    },
    wal: readWal(src),
    kafka: readKafka(src),
    syslog: readSyslog(src),
    logLevel: readChoice(src, 'LOG_LEVEL', 'info', [
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
      'silent',
    ]),
    logFormat: readChoice(src, 'LOG_FORMAT', 'auto', LOG_FORMATS),
    shutdownTimeoutSecs: readNumber(src, 'SHUTDOWN_TIMEOUT_SECS', 30, 1, 3600),
    templateWebhookUrl: readUrl(src, 'TEMPLATE_WEBHOOK_URL'),
    rateJumps: {
      factor: readNumber(src, 'TEMPLATE_RATE_JUMP', 5, 0, 1_000_000),
      windowSecs: readNumber(src, 'TEMPLATE_RATE_WINDOW_SECS', 300, 10, 86_400),
      baselineWindows: readNumber(src, 'TEMPLATE_RATE_BASELINE_WINDOWS', 12, 1, 1000),
    },
  };
  if (config.rateJumps.factor > 0 && config.rateJumps.factor <= 1) {
    throw new ConfigError('TEMPLATE_RATE_JUMP', 'a rate this many times as high: more than 1 (or 0, off)');
  }
  if (config.llm.provider === 'openai' && config.llm.baseUrl === OPENAI_API_URL && config.llm.apiKey === '') {
    // OpenAI's own API refuses every request without a key; local compatible servers need none.
    throw new ConfigError(
      'LLM_API_KEY',
      'required for LLM_PROVIDER=openai unless LLM_BASE_URL names another server',
    );
  }
  if (config.role !== 'all' && config.kafka.brokers === undefined) {
    throw new ConfigError('ROLE', `${config.role} is a Kafka-mode role and needs KAFKA_BROKERS`);
  }
  if (config.clickhouse.retryMaxBackoffMs < config.clickhouse.retryInitialBackoffMs) {
    throw new ConfigError(
      'CLICKHOUSE_RETRY_MAX_BACKOFF_MS',
      'must not be below CLICKHOUSE_RETRY_INITIAL_BACKOFF_MS',
    );
  }
  const { otlpPort } = config.http;
  if (otlpPort !== 0 && (otlpPort === config.http.port || otlpPort === config.syslog.port)) {
    throw new ConfigError('OTLP_HTTP_PORT', 'must differ from INGEST_PORT and SYSLOG_PORT');
  }
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
