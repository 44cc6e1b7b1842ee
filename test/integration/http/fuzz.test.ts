// Property-based fuzzing of the whole HTTP API against the real standalone service (embedded
// ClickHouse), driven by its OpenAPI document: methods and paths from the document plus unknown
// ones, hostile query strings for the documented parameters, and bodies from valid logs to
// random bytes under every framing, encoding and content type. For every response: no 5xx
// (but backpressure, below), every 4xx a JSON error with a `code` (a shipper's protocol: its
// own shape, whose text starts with our code; Loki's is plain text), and for a documented
// operation a documented status, content type, headers and body. Afterwards the service is
// healthy, no stage is stuck, and the logs stored for a marker org are exactly those the 2xx
// answers said were accepted: nothing of a refused request was stored.
//
// Fixed seed by default; FUZZ_SEED=<n> replays or explores another run (fast-check prints the
// seed and the shrunk counterexample on failure). FUZZ_RUNS=<n> scales the run count.
import assert from 'node:assert/strict';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import protobuf from 'protobufjs';
import { compressSync } from 'snappy';
import { schemaProblems, type OpenApiDocument } from '../../helpers/openapi.ts';
import { makeDataDir, startTestService, type TestService } from '../../helpers/service.ts';

const SEED = /^-?\d+$/.test(process.env['FUZZ_SEED'] ?? '') ? Number(process.env['FUZZ_SEED']) : 20_260_611;
/** Requests in all (FUZZ_RUNS, at least 1,000): 60% to the open service, then 40% with API keys. */
const RUNS = Math.max(1000, Number(process.env['FUZZ_RUNS'] || 2500) || 2500);
const RUNS_OPEN = Math.ceil(RUNS * 0.6);
const RUNS_KEYED = RUNS - RUNS_OPEN;

/** The org whose stored logs are compared with what the answers said was accepted. */
const MARKER = 'fuzzmark';
const KEY = 'fuzz-write-read-0123456789';
const READ_KEY = 'fuzz-read-only-0123456789';
/** The org of the plain ingest after each phase (the fuzzer never uses it, nor its rate). */
const CHECK_ORG = 'fuzzcheck';
const KEYS = `${KEY}:acme,${MARKER},${CHECK_ORG}:write+read;${READ_KEY}:*:read`;
/** Small limits, so that the fuzzer reaches them cheaply. */
const BODY_LIMIT = 256 * 1024;
const MAX_LOGS = 40;
/** An answer slower than this means a stuck request. */
const STUCK_MS = 10_000;
const ENV = {
  CLICKHOUSE_FLUSH_INTERVAL_SECS: '3600',
  INGEST_BODY_LIMIT_BYTES: String(BODY_LIMIT),
  INGEST_MAX_LOGS_PER_REQUEST: String(MAX_LOGS),
};

/** With keys, a low per-org rate too, so that 429 RATE_LIMITED is met. */
const KEYED_ENV = {
  INGEST_API_KEYS: KEYS,
  INGEST_RATE_LIMIT_LOGS_PER_SEC: '10',
  INGEST_RATE_LIMIT_BURST_LOGS: String(MAX_LOGS),
};

const NDJSON_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  payload?: Buffer;
  /** The one org every log of the body that has a usable org is for (see orgPool). */
  org: string;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Strings a parser or a query may choke on. */
const NASTY = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'null',
  'undefined',
  'true',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e3',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '99999999999999999999999999',
  '9007199254740993',
  '💥🔥',
  'é\u0301',
  '\u202eevil',
  '\ud800',
  '%',
  '%00',
  '%zz',
  '../../etc/passwd',
  "'; DROP TABLE logs; --",
  '\\',
  '"',
  '{{7*7}}',
  '\r\n',
  '[object Object]',
  '__proto__',
  'constructor',
];

const nasty = fc.constantFrom(...NASTY);
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ minLength: 257, maxLength: 600 }) },
);
const printable = fc
  .string({ unit: 'binary-ascii', maxLength: 60 })
  .map((s) => s.replace(/[^\x20-\x7e]/g, ''));

/** A value of any JSON type, including deep nesting and numbers JSON cannot keep exactly. */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(1e20, -1, 2 ** 53 + 1, 0.5, -0, 1e308, Number.MIN_VALUE) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1000 }).map((depth) => nest(depth)) },
  { weight: 2, arbitrary: anyString },
);

/** Nested arrays and objects (built here: JSON.stringify itself fails beyond a few thousand levels). */
function nest(depth: number): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value };
  return value;
}

const recentTimestamp = fc.oneof(
  fc.integer({ min: -3 * 86_400_000, max: 86_400_000 }).map((d) => Date.now() + d),
  fc.integer({ min: -3 * 86_400_000, max: 86_400_000 }).map((d) => new Date(Date.now() + d).toISOString()),
  fc
    .integer({ min: -3 * 86_400_000, max: 0 })
    .map((d) => new Date(Date.now() + d).toISOString().replace('Z', '+02:00')),
);

/** Messages with repeated shapes, so that templates are learned and matched. */
const message = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'Connection timeout after %s',
        'User %s logged in from 10.0.0.%s',
        'GET /api/v1/items/%s returned 200 in %s ms',
        'Worker %s started on node-%s',
      ),
      fc.nat(5000),
      fc.nat(255),
    )
    .map(([pattern, a, b]) => pattern.replace('%s', String(a)).replace('%s', String(b))),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }).filter((s) => s.trim() !== ''),
  // Short lines that once made templates swallowing others (`ERROR <*>`, `<*> failed`), and
  // lines of more tokens than a template may have (stored without one).
  fc.constantFrom('ERROR 1', 'ERROR disk full on /dev/sda', '7 failed', 'failed', 'disk write failed'),
  fc.integer({ min: 1_001, max: 3_000 }).map((tokens) => 'a '.repeat(tokens).trim()),
);

const metadata = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '', 'a.b', '\u0000')),
  fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
  ),
  { maxKeys: 8 },
);

/** A log the service accepts. Timestamps are recent: old ones would expire (LOG_RETENTION_DAYS). */
function validLog(org: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      org: fc.constant(org),
      message,
      timestamp: recentTimestamp,
      level: fc.constantFrom('info', 'WARN', 'error', 'debug', 'Trace'),
      service: fc.string({ maxLength: 20 }),
      host: fc.string({ maxLength: 20 }),
      dashboard: fc.string({ maxLength: 20 }),
      metadata,
      extra: jsonish,
    },
    { requiredKeys: ['org', 'message'] },
  );
}

const FIELDS = ['org', 'message', 'timestamp', 'level', 'service', 'host', 'dashboard', 'metadata'];

/** A wrong value for a field: another type, empty, too long, too big, or malformed. */
const wrongValue = fc.oneof(
  jsonish,
  fc.constantFrom(null, 0, 42, -1, 1.5, true, [], {}, ['acme'], { org: 'acme' }),
  fc.constantFrom(
    '2025-13-45T99:00:00Z',
    '0000-01-01',
    '+275760-09-13T00:00:00Z',
    '1969-12-31T23:59:59Z',
    'now',
    // Years of two digits (Date.UTC read them as 19xx) and past the stored range.
    '0075-06-15T12:00:00Z',
    '0099-12-31',
    '2300-01-01T00:00:00Z',
  ),
  fc.constantFrom(-1, 1e20, 2 ** 63, 1e15, 8.64e15 + 1),
  fc.constant('x'.repeat(70_000)),
  fc
    .integer({ min: 60, max: 100 })
    .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
  fc.constant({ big: 'v'.repeat(20_000) }),
);

/** A valid log with one to three fields replaced by wrong values, or removed. */
function nearValidLog(org: string): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      validLog(org),
      fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(wrongValue, { freq: 4 })), {
        minLength: 1,
        maxLength: 3,
      }),
    )
    .map(([log, changes]) => {
      const out: Record<string, unknown> = { ...log };
      for (const [field, value] of changes) {
        if (value === null) delete out[field];
        else out[field] = value;
      }
      // A wrong org is never another usable org: the accounting below relies on it.
      const changed = out['org'];
      if (typeof changed === 'string' && changed !== org && changed.trim() !== '' && changed.length <= 256)
        out['org'] = 'x'.repeat(300);
      return out;
    });
}

/**
 * Every log of one body that has a usable org is for the same org: then whatever the service
 * makes of the body (JSON or NDJSON, one log or a batch), what it accepts is that org's.
 */
const orgPool = fc.oneof(
  { weight: 3, arbitrary: fc.constant(MARKER) },
  { weight: 3, arbitrary: fc.constant('acme') },
  { weight: 1, arbitrary: fc.constantFrom('beta', 'Acme', 'acme ', 'org-💥', 'a'.repeat(256)) },
  // Names outside the org alphabet: look-alikes, controls, escapes (INVALID_ORG).
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'ac\u200bme',
      'acme\u202e',
      '\u001b[31macme',
      'ac\r\nme',
      'ac\u0000me',
      '.',
      '..',
      'a/b',
    ),
  },
);

function anyItem(org: string): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: validLog(org) },
    { weight: 4, arbitrary: nearValidLog(org) },
    { weight: 1, arbitrary: jsonish.filter((v) => !(v !== null && typeof v === 'object' && 'org' in v)) },
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies

interface Body {
  bytes: Buffer;
  /** The content type that fits the framing; undefined: none does. */
  type: string | undefined;
}

/**
 * A log with a value nested thousands of levels deep somewhere, written as text: JSON.parse
 * takes any depth, JSON.stringify overflows the stack beyond a few thousand.
 */
function deepBody(org: string): fc.Arbitrary<Body> {
  return fc
    .tuple(
      fc.integer({ min: 500, max: 20_000 }),
      fc.constantFrom('metadata-value', 'metadata', 'message', 'extra', 'logs', 'body'),
    )
    .map(([depth, where]) => {
      const deep = '[{"d":'.repeat(depth) + '1' + '}]'.repeat(depth);
      const log = (field: string, value: string) =>
        `{"org":${JSON.stringify(org)},"message":"deep ${depth}","${field}":${value}}`;
      const text =
        where === 'metadata-value'
          ? log('metadata', `{"k":${deep}}`)
          : where === 'logs'
            ? `{"logs":[${log('extra', '1')},${deep}]}`
            : where === 'body'
              ? deep
              : log(where, deep);
      return { bytes: Buffer.from(text), type: 'application/json' };
    });
}

/** Mostly small batches; some around INGEST_MAX_LOGS_PER_REQUEST, on either side of it. */
function batch<T>(item: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.array(item, { maxLength: 12 }) },
    { weight: 1, arbitrary: fc.array(item, { minLength: MAX_LOGS - 2, maxLength: MAX_LOGS + 3 }) },
  );
}

function jsonBody(org: string): fc.Arbitrary<Body> {
  const logs = batch(anyItem(org));
  const value = fc.oneof(
    { weight: 4, arbitrary: anyItem(org) },
    { weight: 4, arbitrary: logs.map((l) => ({ logs: l })) },
    { weight: 3, arbitrary: logs },
    { weight: 1, arbitrary: fc.tuple(jsonish, logs).map(([other, l]) => ({ logs: other, also: l })) },
    { weight: 1, arbitrary: jsonish },
  );
  return value.map((v) => ({
    bytes: Buffer.from(JSON.stringify(v) ?? 'undefined'),
    type: 'application/json',
  }));
}

const BAD_LINES = ['{', 'not json', '[1,2]', '"text"', 'null', '{"org":', '\u0000', '  ', '{"logs":[]}'];

function ndjsonBody(org: string): fc.Arbitrary<Body> {
  const line = fc.oneof(
    { weight: 6, arbitrary: anyItem(org).map((item) => JSON.stringify(item) ?? 'null') },
    { weight: 2, arbitrary: fc.constantFrom(...BAD_LINES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')) },
  );
  return fc
    .tuple(batch(line), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.constantFrom(...NDJSON_TYPES))
    .map(([lines, eol, trailing, type]) => ({
      bytes: Buffer.from(lines.join(eol) + (trailing ? eol : '')),
      type,
    }));
}

const junkBody: fc.Arbitrary<Body> = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => ({ bytes: Buffer.from(b), type: undefined })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => ({ bytes: Buffer.from(s), type: undefined })),
  fc.constant({ bytes: Buffer.alloc(0), type: undefined }),
  // Over the body limit, as sent or once inflated.
  fc.constant({
    bytes: Buffer.from(JSON.stringify({ org: MARKER, message: 'm'.repeat(BODY_LIMIT) })),
    type: 'application/json',
  }),
);

/** Elasticsearch's bulk paths: their bodies are action and document lines, the org a header. */
function isBulk(path: string): boolean {
  return path === '/_bulk' || path.endsWith('/_bulk');
}

const BULK_ACTIONS = [
  '{"create":{}}',
  '{"create":{"_index":"logs","_id":"a1"}}',
  '{"index":{"_index":"logs"}}',
  '{"delete":{"_index":"logs","_id":"a1"}}',
  '{"update":{"_id":"a1"}}',
];

/** A document as shippers send them (ECS nested or dotted), near-valid, or not JSON at all. */
const esDocument: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          message,
          '@timestamp': recentTimestamp,
          log: fc.record({
            level: fc.constantFrom('info', 'WARN', 'error'),
            file: fc.record({ path: printable }),
          }),
          'service.name': fc.string({ maxLength: 20 }),
          host: fc.record({ name: fc.string({ maxLength: 20 }), ip: fc.array(printable, { maxLength: 2 }) }),
          extra: jsonish,
        },
        { requiredKeys: ['message'] },
      )
      .map((doc) => JSON.stringify(doc)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('message', 'log', 'msg', '@timestamp', 'level', 'host'), wrongValue)
      .map(([field, value]) => JSON.stringify({ message: 'x', [field]: value }) ?? 'null'),
  },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_LINES) },
);

function bulkBody(): fc.Arbitrary<Body> {
  const pair = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(fc.constantFrom(...BULK_ACTIONS), esDocument).map(([a, d]) => `${a}\n${d}`),
    },
    // delete takes no document line; a malformed action line refuses the whole request.
    { weight: 1, arbitrary: fc.constant('{"delete":{"_id":"d"}}') },
    { weight: 1, arbitrary: fc.constantFrom(...BAD_LINES) },
  );
  return fc.tuple(batch(pair), fc.constantFrom('\n', '\r\n'), fc.boolean()).map(([pairs, eol, trailing]) => ({
    bytes: Buffer.from(pairs.join('\n').replaceAll('\n', eol) + (trailing ? eol : '')),
    type: 'application/x-ndjson',
  }));
}

/**
 * Loki pushes: JSON streams with good and hostile labels, times and lines, or the same bytes
 * (and junk) snappy-compressed as a protobuf body would be, so that POST /loki/api/v1/push gets
 * past its decoders as well as into them.
 */
/** A Loki entry: mostly well formed (some refused alone: a blank line, a time before 1970). */
const lokiEntry = fc.tuple(
  fc.oneof(
    { weight: 8, arbitrary: recentTimestamp.map((t) => `${new Date(t).getTime()}000000`) },
    { weight: 1, arbitrary: fc.constantFrom('-5000000000', '0') },
  ),
  fc.oneof({ weight: 8, arbitrary: message }, { weight: 1, arbitrary: fc.constantFrom(' ', '') }),
);
/** One that refuses the whole push: a time or line of another type, a bad metadata object. */
const malformedLokiEntry = fc.tuple(
  fc.oneof(fc.constantFrom('-1', '1e9', '', '99999999999999999999'), jsonish),
  fc.oneof(message, jsonish),
  fc.option(metadata),
);

const lokiBody: fc.Arbitrary<Body> = fc
  .array(
    fc.record({
      stream: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.dictionary(
            fc.oneof(
              { weight: 8, arbitrary: fc.constantFrom('app', 'job', 'level', 'host', 'env') },
              { weight: 1, arbitrary: fc.constantFrom('', '__proto__', 'a.b', '💥') },
            ),
            anyString,
            { maxKeys: 5 },
          ),
        },
        { weight: 1, arbitrary: jsonish },
      ),
      values: fc.oneof(
        { weight: 6, arbitrary: fc.array(lokiEntry, { maxLength: 8 }) },
        { weight: 1, arbitrary: fc.array(lokiEntry, { minLength: MAX_LOGS - 2, maxLength: MAX_LOGS + 2 }) },
        { weight: 1, arbitrary: fc.array(fc.oneof(lokiEntry, malformedLokiEntry), { maxLength: 8 }) },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .chain((streams) =>
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constant({ bytes: Buffer.from(JSON.stringify({ streams })), type: 'application/json' }),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(
            fc.constant(Buffer.from(JSON.stringify({ streams }))),
            fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
          )
          .map((raw) => ({ bytes: compressSync(raw), type: 'application/x-protobuf' })),
      },
    ),
  );

/** A body for any route; Loki's route mostly gets Loki pushes, the bulk routes bulk bodies. */
function body(org: string, path: string): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: path === '/loki/api/v1/push' ? 12 : 1, arbitrary: lokiBody },
    { weight: isBulk(path) ? 18 : 1, arbitrary: bulkBody() },
    { weight: 6, arbitrary: jsonBody(org) },
    { weight: 2, arbitrary: deepBody(org) },
    { weight: 3, arbitrary: ndjsonBody(org) },
    { weight: 2, arbitrary: junkBody },
  );
}

/** The encoding header and the bytes sent: honest, lying, truncated, or unsupported. */
function encode(b: Buffer): fc.Arbitrary<{ bytes: Buffer; encoding: string | undefined }> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant({ bytes: b, encoding: undefined }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('gzip', 'x-gzip', 'GZIP', ' gzip ')
        .map((e) => ({ bytes: gzipSync(b), encoding: e })),
    },
    { weight: 1, arbitrary: fc.constant({ bytes: deflateSync(b), encoding: 'deflate' }) },
    { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate').map((e) => ({ bytes: b, encoding: e })) },
    {
      weight: 1,
      arbitrary: fc.double({ min: 0, max: 0.99, noNaN: true }).map((f) => {
        const z = gzipSync(b);
        return { bytes: z.subarray(0, Math.floor(z.length * f)), encoding: 'gzip' };
      }),
    },
    { weight: 1, arbitrary: fc.constant({ bytes: deflateRawSync(b), encoding: 'deflate' }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('br', 'compress', 'gzip, deflate', 'identity', '', 'zstd')
        .map((e) => ({ bytes: b, encoding: e })),
    },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=latin1',
  'application/json;;',
  'application/jsonx',
  'text/plain',
  'text/html',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '*/*',
  'json',
  '',
  ...NDJSON_TYPES,
];

/** The fitting content type, another one, or none. */
function contentType(fitting: string | undefined): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(fitting) },
    { weight: 1, arbitrary: fc.constant(fitting === undefined ? undefined : `${fitting}; charset=utf-8`) },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

// ---------------------------------------------------------------------------------------------
// Requests

const UNKNOWN_PATHS = [
  '/',
  '/logs/ingest/',
  '/logs/',
  '/LOGS',
  '/logs/ingest/../stats',
  '/logs%2Fingest',
  '/%68ealth',
  '/templates/1',
  '/docs',
  '/docs/json',
  '/docs/yaml',
  '/docs/static/index.html',
  '/docs/static/../../package.json',
  '/docs/static/%2e%2e/%2e%2e/package.json',
  '/docs/nope',
  '/docs/static/%00',
  '/metrics/',
  '/health;x=1',
  '/stats%00',
];

/** Query parameters: the documented ones with good and hostile values, repeated, or unknown. */
function queryString(params: string[]): fc.Arbitrary<string> {
  const good: Record<string, fc.Arbitrary<string>> = {
    org: fc.constantFrom(MARKER, 'acme', 'beta'),
    template_id: fc.nat(5).map(String),
    limit: fc.integer({ min: 1, max: 10_000 }).map(String),
    from: recentTimestamp.map(String),
    to: recentTimestamp.map(String),
    q: fc.constantFrom('timeout', 'User', 'ms', 'x'),
    cursor: fc.constantFrom('WzE3MDAwMDAwMDAwMDAsIjEyMyJd', 'WzFd'),
  };
  const value = (name: string) =>
    fc.oneof(
      { weight: 3, arbitrary: good[name] ?? anyString },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '2025-01-01T00:00:00Z',
          '2025-01-01',
          '1700000000000',
          '2030-01-01T00:00:00+05:00',
        ),
      },
      { weight: 2, arbitrary: anyString },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '99999999999999999999',
          '-5',
          '0',
          '10001',
          '1e2',
          '3.0',
          ' 7',
          'x'.repeat(20_000),
        ),
      },
    );
  const pair = fc.oneof(
    {
      weight: 5,
      arbitrary:
        params.length === 0
          ? fc.constant(['x', '1'] as [string, string])
          : fc.constantFrom(...params).chain((name) => value(name).map((v) => [name, v] as [string, string])),
    },
    { weight: 1, arbitrary: fc.tuple(anyString, anyString) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('org[]', 'org[0]', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ORG'),
        anyString,
      ),
    },
  );
  return fc
    .tuple(
      fc.array(pair, { maxLength: 6 }),
      fc.boolean(), // org first (most reads need it)
      fc.constantFrom(MARKER, 'acme', 'beta'),
      fc.boolean(), // percent-encode (the usual) or send raw
    )
    .map(([pairs, withOrg, org, encodeIt]) => {
      const all: Array<[string, string]> =
        withOrg && params.includes('org') ? [['org', org], ...pairs] : pairs;
      // A lone surrogate cannot travel in a URL: it is sent as U+FFFD.
      const enc = (s: string) =>
        encodeIt ? encodeURIComponent(s.toWellFormed()) : s.toWellFormed().replace(/[#\s]/g, '');
      const text = all.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
      return text === '' ? '' : `?${text}`;
    });
}

const AUTHORIZATIONS = [
  `Bearer ${KEY}`,
  `bearer ${KEY}`,
  `Bearer \t${KEY}  `,
  `Bearer ${READ_KEY}`,
  `Bearer ${KEY}x`,
  `Bearer ${KEY} ${KEY}`,
  `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}`,
  'Bearer',
  'Bearer ',
  '',
  KEY,
];

/** With keys configured, most requests carry the good key, so the fuzzer gets past auth. */
function authorization(keyed: boolean): fc.Arbitrary<string | undefined> {
  return keyed
    ? fc.oneof(
        { weight: 8, arbitrary: fc.constant(`Bearer ${KEY}`) },
        { weight: 3, arbitrary: fc.constantFrom(...AUTHORIZATIONS) },
        { weight: 1, arbitrary: printable },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom(...AUTHORIZATIONS) },
      );
}

/** Header trouble: a Content-Length that lies, or a header sent twice. */
type Oddity =
  | { kind: 'none' }
  | { kind: 'content-length'; delta: number }
  | { kind: 'twice'; header: string; value: string };
const oddity: fc.Arbitrary<Oddity> = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: -20, max: 20 })
      .filter((d) => d !== 0)
      .map((delta) => ({ kind: 'content-length' as const, delta })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('twice' as const),
      header: fc.constantFrom('authorization', 'content-type', 'content-encoding'),
      value: fc.constantFrom(`Bearer ${READ_KEY}`, 'text/plain', 'application/json', 'gzip', 'identity'),
    }),
  },
);

/**
 * The X-Scope-OrgID header the shippers' protocols take their org from: mostly absent, else
 * an org that is not the marker (whose stored logs are counted from POST /logs/ingest only).
 */
const scopeOrg: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.constant('acme') },
  { weight: 1, arbitrary: fc.constantFrom('beta', '', 'a/b', 'x'.repeat(300), 'acme|beta') },
);

interface Framed {
  query: string;
  encoded: { bytes: Buffer; encoding: string | undefined } | undefined;
  type: string | undefined;
}

interface Operation {
  method: string;
  path: string;
  params: string[];
  hasBody: boolean;
}

function operations(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      hasBody: op.requestBody !== undefined,
    })),
  );
}

function request(doc: OpenApiDocument, keyed: boolean): fc.Arbitrary<FuzzRequest> {
  const ops = operations(doc);
  const ingest = ops.filter((op) => op.hasBody && op.path === '/logs/ingest');
  // The shippers' protocols: every other route with a body but curation's (PATCH and POST
  // /templates), which the catch-all below reaches like any route.
  const shippers = ops.filter(
    (op) => op.hasBody && op.path !== '/logs/ingest' && !op.path.startsWith('/templates'),
  );
  const target = fc.oneof(
    // The routes that take bodies are where the bodies go: half of the requests, most of them
    // to POST /logs/ingest, the rest to the shippers' protocols.
    {
      weight: 7,
      arbitrary: fc.constantFrom(...ingest).map((op) => ({ op, method: op.method, path: op.path })),
    },
    {
      weight: 4,
      arbitrary: fc.constantFrom(...shippers).map((op) => ({ op, method: op.method, path: op.path })),
    },
    { weight: 8, arbitrary: fc.constantFrom(...ops).map((op) => ({ op, method: op.method, path: op.path })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...ops),
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        )
        .map(([op, method]) => ({ op, method, path: op.path })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(fc.constantFrom(...UNKNOWN_PATHS), fc.webPath({ size: 'small' })),
          fc.constantFrom('GET', 'POST', 'HEAD'),
        )
        .map(([path, method]) => ({ op: undefined, method, path: path.startsWith('/') ? path : `/${path}` })),
    },
  );
  return fc
    .tuple(target, orgPool, authorization(keyed), fc.boolean(), oddity, scopeOrg)
    .chain(([{ op, method, path }, org, auth, withBody, odd, scope]) =>
      fc
        .tuple(
          queryString(op?.params ?? []),
          method === 'POST' || (withBody && method !== 'GET' && method !== 'HEAD')
            ? body(org, path)
            : fc.constant(undefined),
        )
        .chain(([query, b]): fc.Arbitrary<Framed> =>
          b === undefined
            ? fc.constant({ query, encoded: undefined, type: undefined })
            : fc
                .tuple(encode(b.bytes), contentType(b.type))
                .map(([encoded, type]) => ({ query, encoded, type })),
        )
        .map(({ query, encoded, type }): FuzzRequest => {
          const headers: Record<string, string | string[]> = {};
          if (auth !== undefined) headers['authorization'] = auth;
          if (scope !== undefined) headers['x-scope-orgid'] = scope;
          if (type !== undefined) headers['content-type'] = type;
          if (encoded?.encoding !== undefined) headers['content-encoding'] = encoded.encoding;
          if (odd.kind === 'content-length' && encoded !== undefined)
            headers['content-length'] = String(Math.max(0, encoded.bytes.length + odd.delta));
          else if (odd.kind === 'twice' && headers[odd.header] !== undefined)
            headers[odd.header] = [headers[odd.header] as string, odd.value];
          const req: FuzzRequest = {
            method,
            url: `${path}${query}`,
            headers,
            org,
            ...(encoded === undefined ? {} : { payload: encoded.bytes }),
          };
          // A counterexample as fast-check prints it: bodies can be 256 KB.
          return Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) });
        }),
    );
}

function describeRequest(req: FuzzRequest): string {
  const payload = req.payload;
  const body =
    payload === undefined
      ? ''
      : ` body (${payload.length} bytes): ${JSON.stringify(payload.subarray(0, 400).toString('latin1'))}${payload.length > 400 ? '…' : ''}`;
  return `${req.method} ${JSON.stringify(req.url)} headers ${JSON.stringify(req.headers)} org ${JSON.stringify(req.org)}${body}`;
}

// ---------------------------------------------------------------------------------------------
// Checks

/** The path the service sees, as light-my-request sends the URL (normalised by WHATWG URL). */
function pathOf(url: string): string {
  return new URL(url.startsWith('//') ? `http://localhost${url}` : url, 'http://localhost').pathname;
}

/** The route a path reaches as the router sees it (normalised, percent-decoded), if documented. */
function documentedPath(doc: OpenApiDocument, url: string): string | undefined {
  const pathname = pathOf(url);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.replace(/%2f/gi, '%252F'));
  } catch {
    return undefined;
  }
  return doc.paths[decoded] === undefined ? undefined : decoded;
}

interface Tally {
  requests: number;
  byStatus: Map<string, number>;
  /** Logs the 200 answers of POST /logs/ingest said were accepted, by org. */
  accepted: Map<string, number>;
  overloaded: number;
}

/** google.rpc.Status, as OTLP answers a protobuf request's errors. */
const RpcStatus = protobuf
  .parse('syntax = "proto3"; message Status { int32 code = 1; string message = 2; }')
  .root.lookupType('Status');

/** The documented routes whose errors are plain text (Loki's), not a JSON object. */
const PLAIN_TEXT_ERRORS = new Set(['/loki/api/v1/push']);

function check(doc: OpenApiDocument, req: FuzzRequest, res: LightMyRequestResponse, tally: Tally): void {
  const status = res.statusCode;
  const where = `${req.method} ${req.url} -> ${status} ${res.body.slice(0, 300)}`;
  const mediaType = String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim();
  const json = (): Record<string, unknown> => {
    assert.equal(mediaType, 'application/json', `${where}: JSON`);
    return res.json<Record<string, unknown>>();
  };
  let code = '';
  const path = documentedPath(doc, req.url);
  const op = path === undefined ? undefined : doc.paths[path]?.[req.method.toLowerCase()];
  if (
    status >= 400 &&
    req.method !== 'HEAD' &&
    path !== undefined &&
    PLAIN_TEXT_ERRORS.has(path) &&
    op !== undefined
  ) {
    // Loki answers errors as Go's http.Error writes them: one line of plain text, our code first.
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8', `${where}: plain text`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', where);
    assert.ok(res.body.endsWith('\n'), `${where}: a line`);
    code = /^([A-Z][A-Z0-9_]*): /.exec(res.body)?.[1] ?? '';
    assert.notEqual(code, '', `${where}: our code leads the text`);
  } else if (status >= 400 && req.method !== 'HEAD') {
    const shipper = op?.tags?.includes('shippers') === true;
    // OTLP answers a protobuf request in protobuf: its google.rpc.Status, decoded.
    const error =
      shipper && mediaType === 'application/x-protobuf'
        ? RpcStatus.toObject(RpcStatus.decode(res.rawPayload), { defaults: true })
        : json();
    if (shipper && path === '/v1/logs') {
      // A shipper's protocol answers in its own shape (OTLP: a google.rpc.Status), whose
      // message starts with our code.
      assert.equal(typeof error['code'], 'number', `${where}: a google.rpc.Code`);
      code = /^([A-Z][A-Z0-9_]*): /.exec(String(error['message']))?.[1] ?? '';
      assert.notEqual(code, '', `${where}: our code leads the message`);
    } else if (op?.tags?.includes('shippers') === true) {
      // Elasticsearch's: {"error":{"root_cause":[…],"type":…,"reason":…},"status":N}, the
      // reason led by our code, and the product header the Elastic clients check.
      assert.deepEqual(Object.keys(error).sort(), ['error', 'status'], where);
      assert.equal(error['status'], status, where);
      const inner = error['error'] as Record<string, unknown>;
      assert.match(String(inner['type']), /^[a-z_]+_exception$|^exception$/, `${where}: an exception type`);
      assert.deepEqual(inner['root_cause'], [{ type: inner['type'], reason: inner['reason'] }], where);
      code = /^([A-Z_]+): /.exec(String(inner['reason']))?.[1] ?? '';
      assert.notEqual(code, '', `${where}: our code leads the reason`);
      assert.equal(res.headers['x-elastic-product'], 'Elasticsearch', where);
    } else {
      assert.equal(typeof error['code'], 'string', `${where}: a code`);
      assert.equal(error['statusCode'], status, where);
      code = error['code'] as string;
    }
  }
  tally.byStatus.set(`${status} ${code}`.trim(), (tally.byStatus.get(`${status} ${code}`.trim()) ?? 0) + 1);

  // Backpressure is the one legitimate 5xx: 503 OVERLOADED with Retry-After when a buffer or
  // queue is full (the service refuses instead of growing). With these sizes it should not
  // happen; anything else >= 500 (or a 503 without Retry-After) is a bug.
  if (status >= 500) {
    assert.ok(
      status === 503 && code === 'OVERLOADED' && res.headers['retry-after'] !== undefined,
      `${where}: a 5xx`,
    );
    tally.overloaded++;
  }

  if (op === undefined || req.method === 'HEAD') {
    if (status >= 200 && status < 300) {
      // Only the documentation's own pages answer 2xx outside the documented operations.
      const pathname = pathOf(req.url);
      assert.ok(
        ['GET', 'HEAD'].includes(req.method) && (path !== undefined || pathname.startsWith('/docs')),
        where,
      );
    }
    return;
  }
  const response = op.responses[String(status)];
  assert.ok(response !== undefined, `${where}: status ${status} is documented`);
  for (const header of Object.keys(response.headers ?? {})) {
    assert.ok(res.headers[header] !== undefined, `${where}: header ${header}`);
  }
  if (status === 204) {
    assert.equal(res.body, '', `${where}: no content`);
    assert.equal(res.headers['content-type'], undefined, where);
    return;
  }
  const content = response.content ?? {};
  assert.ok(content[mediaType] !== undefined, `${where}: content type ${mediaType} is documented`);
  const schema = content[mediaType]?.schema;
  if (mediaType === 'application/json' && schema !== undefined) {
    assert.deepEqual(schemaProblems(schema, res.json()), [], where);
  }
  if (req.method === 'POST' && path === '/logs/ingest' && status === 200) {
    const reply = res.json<{ accepted: number; failed: number; errors?: unknown[] }>();
    tally.accepted.set(req.org, (tally.accepted.get(req.org) ?? 0) + reply.accepted);
  }
  if (req.method === 'POST' && path !== undefined && isBulk(path) && status === 200) {
    // Elasticsearch's bulk: every item answered, 201 stored.
    const reply = res.json<{ errors: boolean; items: Array<Record<string, { status: number }>> }>();
    const statuses = reply.items.map((item) => Object.values(item)[0]!.status);
    assert.equal(
      reply.errors,
      statuses.some((s) => s !== 201),
      where,
    );
    // Stored under the org of the X-Scope-OrgID header (or the key's one org), never the marker.
    const org = req.headers['x-scope-orgid'];
    const stored = statuses.filter((s) => s === 201).length;
    if (typeof org === 'string') tally.accepted.set(org, (tally.accepted.get(org) ?? 0) + stored);
  }
}

/** A request left without an answer is a stuck worker: fail it, with the request. */
async function answerWithin(pending: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STUCK_MS} ms`)), STUCK_MS);
  });
  try {
    return await Promise.race([pending, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

async function fuzz(t: TestService, keyed: boolean, runs: number, seed: number, tally: Tally): Promise<void> {
  const doc = (await t.service.app.inject({ url: '/docs/json' })).json<OpenApiDocument>();
  await fc.assert(
    fc.asyncProperty(request(doc, keyed), async (req) => {
      tally.requests++;
      const res = await answerWithin(
        t.service.app.inject({
          method: req.method as 'GET',
          url: req.url,
          headers: req.headers,
          ...(req.payload === undefined ? {} : { payload: req.payload }),
        }),
      );
      check(doc, req, res, tally);
    }),
    { numRuns: runs, seed },
  );
}

// ---------------------------------------------------------------------------------------------

const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);
const dataDir = await makeDataDir();
const tally: Tally = { requests: 0, byStatus: new Map(), accepted: new Map(), overloaded: 0 };
let t: TestService | undefined;

before(() => {
  process.on('unhandledRejection', onUnhandled);
});
after(async () => {
  process.off('unhandledRejection', onUnhandled);
  await t?.destroy();
});

/** After a phase: healthy, nothing stuck, and a plain ingest still stored and readable. */
async function afterFuzz(service: TestService, auth: Record<string, string>, label: string): Promise<void> {
  const app = service.service.app;
  const health = await app.inject({ url: '/health' });
  assert.equal(health.statusCode, 200, health.body);
  const text = `after fuzz ${label} ${Date.now()}`;
  const res = await app.inject({
    method: 'POST',
    url: '/logs/ingest',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: JSON.stringify({ org: CHECK_ORG, message: text }),
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json<{ accepted: number }>().accepted, 1);
  // flush() waits for the queue of unmatched logs to drain: a stuck generation would time out.
  await service.flush();
  const stats = (await app.inject({ url: '/stats', headers: auth })).json<{
    queues: { unmatched: number; generation_batches_in_flight: number };
    buffer: { rows: number; in_flight_rows: number };
  }>();
  assert.equal(stats.queues.unmatched, 0);
  assert.equal(stats.queues.generation_batches_in_flight, 0);
  assert.equal(stats.buffer.rows + stats.buffer.in_flight_rows, 0);
  const read = await app.inject({
    url: `/logs?org=${CHECK_ORG}&q=${encodeURIComponent(text)}`,
    headers: auth,
  });
  assert.equal(read.statusCode, 200, read.body);
  assert.deepEqual(
    read.json<{ logs: Array<{ message: string }> }>().logs.map((l) => l.message),
    [text],
  );
}

describe('fuzzing the HTTP API from its OpenAPI document', () => {
  it(`open service: ${RUNS_OPEN} generated requests (seed ${SEED})`, async () => {
    const service = await startTestService(ENV, dataDir);
    t = service;
    await fuzz(service, false, RUNS_OPEN, SEED, tally);
    await afterFuzz(service, {}, 'open');
  });

  it(`with API keys: ${RUNS_KEYED} generated requests (seed ${SEED + 1})`, async () => {
    // The same data folder: the marker org's logs of both phases are counted together.
    await t?.stop();
    const service = await startTestService({ ...ENV, ...KEYED_ENV }, dataDir);
    t = service;
    await fuzz(service, true, RUNS_KEYED, SEED + 1, tally);
    await afterFuzz(service, { authorization: `Bearer ${KEY}` }, 'keyed');
  });

  it('ran at least 1,000 requests, no 5xx, and stored exactly what was accepted', async (ctx) => {
    ctx.diagnostic(
      `requests ${tally.requests}; answers: ${[...tally.byStatus.entries()]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(
          ', ',
        )}; 503 OVERLOADED: ${tally.overloaded}; accepted by org: ${JSON.stringify(Object.fromEntries([...tally.accepted].map(([org, n]) => [org.length > 20 ? `${org.slice(0, 8)}…(${org.length})` : org, n])))}`,
    );
    assert.ok(tally.requests >= 1000, `${tally.requests} requests`);
    assert.deepEqual(unhandled, []);
    // The fuzzer got past validation and auth into every kind of answer.
    // (429 too, but how many depends on the machine's speed against the rate: not required.)
    for (const kind of [
      '200',
      '204',
      '422',
      '400',
      '401',
      '403',
      '404',
      '413 BODY_TOO_LARGE',
      '413 TOO_MANY_LOGS',
      '415',
    ]) {
      assert.ok(
        [...tally.byStatus.keys()].some((k) => k.startsWith(kind)),
        `some requests got ${kind}: ${[...tally.byStatus.keys()].join(', ')}`,
      );
    }
    assert.ok(t !== undefined);
    await t.flush();
    const expected = tally.accepted.get(MARKER) ?? 0;
    assert.ok(expected > 100, `${expected} marker logs accepted`);
    let stored = 0;
    let cursor: string | null = null;
    do {
      const res: LightMyRequestResponse = await t.service.app.inject({
        url: `/logs?org=${MARKER}&limit=10000${cursor === null ? '' : `&cursor=${cursor}`}`,
        headers: { authorization: `Bearer ${KEY}` },
      });
      assert.equal(res.statusCode, 200);
      const page = res.json<{ logs: unknown[]; next_cursor: string | null }>();
      stored += page.logs.length;
      cursor = page.next_cursor;
    } while (cursor !== null);
    assert.equal(stored, expected, 'stored = accepted for the marker org');
    // And the plain ingest after each phase, once each.
    const check = await t.service.app.inject({
      url: `/logs?org=${CHECK_ORG}`,
      headers: { authorization: `Bearer ${KEY}` },
    });
    assert.equal(check.json<{ logs: unknown[] }>().logs.length, 2);
  });
});
