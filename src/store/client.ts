import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import type { Config } from '../config.ts';

export type { ClickHouseClient };

/**
 * The only place that knows which ClickHouse SDKs exist: embedded (chdb) or a server over HTTP.
 * chdb is imported only when used: its native engine costs ~250 MB, which a process talking
 * to a ClickHouse server (or a Kafka role without storage) must not pay.
 */
export async function createStoreClient(config: Config['clickhouse']): Promise<ClickHouseClient> {
  if (config.url === undefined) {
    mkdirSync(config.dataDir, { recursive: true });
    const conf = allocatorConf(config.embedded.dirtyDecayMs, process.env['JE_MALLOC_CONF']);
    if (conf !== undefined) process.env['JE_MALLOC_CONF'] = conf;
    const { createChdbConnection } = await import('chdb/connection');
    const args = engineArgs(config.embedded);
    // The engine is made by the first session on a folder and takes its settings from that one;
    // it lives on with the connection's session once this one closes.
    const first = new (await import('chdb')).Session(config.dataDir, { connectionArgs: args });
    const chdb = createChdbConnection({ path: config.dataDir });
    first?.close();
    // chdb is typed against its own copy of @clickhouse/client-common; the runtime contract is the same.
    const client = createClient({
      connection: chdb as unknown as ClickHouseClientConfigOptions['connection'],
    });
    RAW_INSERTS.set(client, (params) => chdb.chdb.rawInsert(params));
    return client;
  }
  // No `database` here: it may not exist yet (migrations create it), so SQL names tables as db.table.
  return createClient({
    url: config.url,
    username: config.user,
    password: config.password,
    request_timeout: 30_000,
    // Failures surface as errors the store logs through pino; the SDK's console lines would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * The engine's allocator (jemalloc, linked into libchdb) reads its options from JE_MALLOC_CONF
 * once, when the library loads: so it is set here, before the first import of chdb, and it holds
 * for the process (a second store in the same process keeps what the first one loaded with).
 * ClickHouse builds it with dirty_decay_ms:5000: freed pages stay resident 5 s for reuse, which
 * under back-to-back inserts is tens of MB at the process's peak. Options already in the
 * variable come after ours, so an operator's own JE_MALLOC_CONF wins (jemalloc takes the last).
 * A negative decay leaves the variable as it is.
 */
export function allocatorConf(dirtyDecayMs: number, inherited: string | undefined): string | undefined {
  if (dirtyDecayMs < 0) return inherited;
  const ours = `dirty_decay_ms:${dirtyDecayMs}`;
  // A second store in the process finds ours already there.
  if (inherited === ours || inherited?.startsWith(`${ours},`) === true) return inherited;
  return inherited === undefined || inherited === '' ? ours : `${ours},${inherited}`;
}

/** Idle threads the embedded engine's global pool keeps (see engineArgs). */
const IDLE_ENGINE_THREADS = 16;

/** The caches a running engine fills from what it reads (server settings, bytes). */
const ENGINE_CACHES = [
  'mark_cache_size',
  'index_mark_cache_size',
  'primary_index_cache_size',
  'text_index_dictionary_block_cache_size',
  'text_index_header_cache_size',
  'text_index_postings_cache_size',
  'query_condition_cache_size',
  'vector_similarity_index_cache_size',
] as const;

/**
 * The embedded engine's memory settings as `clickhouse local` arguments. Its defaults are a
 * server's, sized for a machine of its own: 5 GiB for each of the mark and index caches, and
 * up to 90% of the machine's memory in all, inside a process that also holds the service.
 */
export function engineArgs(embedded: Config['clickhouse']['embedded']): string[] {
  const mb = 1024 * 1024;
  // The engine's global thread pool keeps up to 1,000 idle threads by default (a server's
  // setting), each holding its stack and three open /proc files for its own statistics: in a
  // 30-minute soak the pool grew to 135+ threads and the process's open files rose with it.
  // Idle threads beyond IDLE_ENGINE_THREADS now exit; the pool still grows as work needs it.
  const args: string[] = [`--max_thread_pool_free_size=${IDLE_ENGINE_THREADS}`];
  if (embedded.cacheMb > 0) for (const name of ENGINE_CACHES) args.push(`--${name}=${embedded.cacheMb * mb}`);
  if (embedded.maxMemoryMb > 0) args.push(`--max_server_memory_usage=${embedded.maxMemoryMb * mb}`);
  return args;
}

const SAFE_TOKEN = /^[A-Za-z0-9_.:-]{1,200}$/;

type RawFormat = 'JSONCompactEachRow' | 'JSONEachRow' | 'TabSeparated';
type RawInsert = (params: {
  table: string;
  columns?: string[];
  format: RawFormat;
  values: Buffer;
  settings: Record<string, string | number>;
}) => Promise<unknown>;

/**
 * The embedded engine's own insert, beside its client: the body's bytes go to the engine as
 * they are. Through the client's exec, chdb decodes the body to a string and appends it to the
 * statement, two more copies of every batch on the JavaScript thread (npm run bench:store).
 */
const RAW_INSERTS = new WeakMap<ClickHouseClient, RawInsert>();

/** `db.table` or `db.table (a, b)`, as the inserts name it: the raw insert takes it apart. */
const TARGET = /^([A-Za-z0-9_]+\.[A-Za-z0-9_]+)(?: \(([A-Za-z0-9_, ]+)\))?$/;

/**
 * Inserts a pre-encoded body with the dedup token inside the statement's own SETTINGS clause.
 * Not `clickhouse_settings`: the embedded connection turns those into session-wide `SET`s that
 * outlive the query, so a later insert would silently inherit an old token and be dropped as a
 * duplicate (seen with chdb 3.4). An empty token means "no token-based dedup".
 */
export async function insertEncoded(
  client: ClickHouseClient,
  table: string,
  format: RawFormat,
  body: string | Buffer,
  dedupToken: string,
): Promise<void> {
  if (dedupToken !== '' && !SAFE_TOKEN.test(dedupToken)) {
    throw new Error(`unsafe insert_deduplication_token ${JSON.stringify(dedupToken)}`);
  }
  const settings: Record<string, string | number> = { insert_deduplication_token: dedupToken };
  // JSON.stringify writes a lone surrogate as \udXXX, which the engine rejects by default, and one
  // such string would fail its batch on every retry; this stores the escape as text instead.
  if (format.startsWith('JSON')) settings['input_format_json_throw_on_bad_escape_sequence'] = 0;
  // Nothing to insert is a success, as the client's exec makes it for the embedded engine.
  if (body.length === 0) return;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const raw = RAW_INSERTS.get(client);
  const target = TARGET.exec(table);
  if (raw !== undefined && target !== null) {
    const columns = target[2]?.split(', ');
    await raw({
      table: target[1]!,
      ...(columns === undefined ? {} : { columns }),
      format,
      values: bytes,
      settings,
    });
    return;
  }
  const clause = Object.entries(settings)
    .map(([name, value]) => `${name} = ${typeof value === 'number' ? value : `'${value}'`}`)
    .join(', ');
  const result = await client.exec({
    query: `INSERT INTO ${table} SETTINGS ${clause} FORMAT ${format}`,
    values: Readable.from([bytes], { objectMode: false }),
  });
  // The HTTP connection keeps the socket until the response stream is consumed.
  result.stream.resume();
  await new Promise<void>((resolve) => {
    result.stream.once('end', resolve);
    result.stream.once('close', resolve);
    result.stream.once('error', () => resolve());
  });
}
