import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { AppError } from '../../../errors.ts';
import { fingerprintBytes } from './fingerprint.ts';

/** Where the versioned schemas live: `schemas/<name>.v<N>.avsc`. */
export const SCHEMA_DIR = path.resolve(import.meta.dirname, '../../../../schemas');

/** Avro single-object encoding: 0xC3 0x01, the writer schema's 8-byte fingerprint, the body. */
const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_BYTES = MAGIC.length + 8;

/** A message no known schema version can read: it goes to the dead-letter topic with `reason`. */
export class UndecodableError extends AppError {
  constructor(reason: string, options: { cause?: unknown } = {}) {
    super('UNDECODABLE', reason, { retryable: false, cause: options.cause });
  }
}

interface Reader {
  version: number;
  read(body: Buffer): unknown;
}

/**
 * Encodes with the newest version of a schema and decodes every version of it: a message
 * written with an older version is resolved into the newest shape (new fields take their
 * defaults), so producers and consumers can be upgraded one at a time.
 */
export class AvroCodec<T> {
  readonly name: string;
  readonly version: number;
  /** The newest version's fingerprint, as the 8 bytes after the magic. */
  readonly fingerprint: Buffer;
  readonly #writer: avro.Type;
  readonly #readers: Map<string, Reader>;

  private constructor(name: string, versions: Array<{ version: number; type: avro.Type }>) {
    const newest = versions.at(-1);
    if (newest === undefined) throw new Error(`no schema versions for ${name}`);
    this.name = name;
    this.version = newest.version;
    this.#writer = newest.type;
    this.#readers = new Map();
    for (const { version, type } of versions) {
      const resolver = type === newest.type ? undefined : newest.type.createResolver(type);
      const key = fingerprintBytes(JSON.stringify(type.schema())).toString('hex');
      this.#readers.set(key, {
        version,
        read: (body): unknown =>
          resolver === undefined ? newest.type.fromBuffer(body) : newest.type.fromBuffer(body, resolver),
      });
    }
    this.fingerprint = fingerprintBytes(JSON.stringify(newest.type.schema()));
  }

  /** Every `<name>.v<N>.avsc` in `dir`, oldest first. */
  static load<T>(name: string, dir = SCHEMA_DIR): AvroCodec<T> {
    const pattern = new RegExp(`^${name.replace(/[^a-z0-9-]/gi, '')}\\.v(\\d+)\\.avsc$`);
    const versions = readdirSync(dir)
      .map((file) => ({ file, match: pattern.exec(file) }))
      .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
      .map(({ file, match }) => ({
        version: Number(match[1]),
        type: avro.Type.forSchema(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as avro.Schema),
      }))
      .sort((a, b) => a.version - b.version);
    return new AvroCodec<T>(name, versions);
  }

  /** Builds a codec from schema objects (tests, tools): versions 1..N in order. */
  static fromSchemas<T>(name: string, schemas: readonly avro.Schema[]): AvroCodec<T> {
    return new AvroCodec<T>(
      name,
      schemas.map((schema, i) => ({ version: i + 1, type: avro.Type.forSchema(schema) })),
    );
  }

  encode(value: T): Buffer {
    let body: Buffer;
    try {
      body = this.#writer.toBuffer(value);
    } catch (err) {
      throw new AppError('UNENCODABLE', `${this.name}: ${(err as Error).message}`, { cause: err });
    }
    return Buffer.concat([MAGIC, this.fingerprint, body], HEADER_BYTES + body.length);
  }

  decode(message: Buffer): T {
    if (message.length < HEADER_BYTES || message[0] !== MAGIC[0] || message[1] !== MAGIC[1]) {
      throw new UndecodableError(`${this.name}: not an Avro single-object message (bad magic)`);
    }
    const fingerprint = message.subarray(MAGIC.length, HEADER_BYTES).toString('hex');
    const reader = this.#readers.get(fingerprint);
    if (reader === undefined) {
      throw new UndecodableError(`${this.name}: unknown writer schema fingerprint ${fingerprint}`);
    }
    try {
      return reader.read(message.subarray(HEADER_BYTES)) as T;
    } catch (err) {
      throw new UndecodableError(`${this.name} v${reader.version}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
