/**
 * The bytes of a write-ahead-log segment. A segment is a header and then records:
 *
 *   header  "LIWAL" | format u8 | 2 reserved bytes | created at, epoch ms, f64 LE   (16 bytes)
 *   record  payload length u32 LE | CRC-32 of the payload u32 LE | payload
 *
 * The checksum is per record, as in Loki's and Prometheus' WAL: a record torn by a crash in
 * the middle of a write, or damaged on disk, is found and cut instead of being read as logs.
 * Records are appended whole (one write call each) and only acknowledged once written, so a
 * torn record is always the last one of its segment and was never acknowledged.
 */
import { crc32 } from 'node:zlib';

const MAGIC = Buffer.from('LIWAL', 'latin1');
/** The format this version writes and reads. A reader of an older format goes in readSegment. */
export const WAL_FORMAT = 1;
export const HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 8;
/** Larger than any record this service writes (a request body is at most a few MiB). */
const MAX_RECORD_BYTES = 1 << 30;

export function segmentHeader(createdAt: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt8(WAL_FORMAT, 5);
  header.writeDoubleLE(createdAt, 8);
  return header;
}

/**
 * Frames records one after another in one reusable buffer: a record's text is written into it
 * piece by piece (no joined string, no new buffer per record), then its length and checksum
 * in front. take() hands over the records framed so far, as a view of that buffer valid until
 * the next add(): the WAL writes them synchronously first. Measured on 1,000 insert lines
 * (150 KB): 0.06 ms, against 0.25 ms to join them and encode the string into a new buffer.
 */
const FRAMER_BYTES = 1024 * 1024;

export class RecordFramer {
  #buffer = Buffer.allocUnsafe(FRAMER_BYTES);
  #end = 0;

  /** Bytes framed since the last take(). */
  get size(): number {
    return this.#end;
  }

  /** After a take() and its write: a buffer grown for one large request is let go. */
  shrink(): void {
    if (this.#end === 0 && this.#buffer.length > 4 * FRAMER_BYTES)
      this.#buffer = Buffer.allocUnsafe(FRAMER_BYTES);
  }

  /** Frames `head` then each of `body`, as UTF-8 (bytes as they are): length, CRC-32, payload. */
  add(head: string, body: readonly (string | Uint8Array)[]): void {
    const start = this.#end;
    let at = this.#put(head, start + RECORD_HEADER_BYTES);
    for (const part of body) at = this.#put(part, at);
    const buffer = this.#buffer;
    const payload = buffer.subarray(start + RECORD_HEADER_BYTES, at);
    buffer.writeUInt32LE(payload.length, start);
    buffer.writeUInt32LE(crc32(payload), start + 4);
    this.#end = at;
  }

  /** A record framed by another framer (a request thread's, threads/prepare.ts), as it is. */
  addFramed(record: Uint8Array): void {
    this.#room(this.#end + record.length, this.#end);
    this.#buffer.set(record, this.#end);
    this.#end += record.length;
  }

  /** The records added since the last take(), framed one after another. */
  take(): Buffer {
    const records = this.#buffer.subarray(0, this.#end);
    this.#end = 0;
    return records;
  }

  #put(text: string | Uint8Array, at: number): number {
    if (typeof text !== 'string') {
      this.#room(at + text.length, at);
      this.#buffer.set(text, at);
      return at + text.length;
    }
    // A UTF-16 code unit is at most 3 bytes of UTF-8: room for that, or write() would cut the text.
    this.#room(at + text.length * 3, at);
    return at + this.#buffer.write(text, at, 'utf8');
  }

  /** Grows the buffer to hold `bytes`, keeping its first `kept` (what is framed, or being framed). */
  #room(bytes: number, kept: number): void {
    if (bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, kept);
    this.#buffer = grown;
  }
}

/** A segment whose header this version cannot read: start must not guess at its records. */
export class WalFormatError extends Error {
  override readonly name = 'WalFormatError';
}

export interface SegmentContents {
  createdAt: number;
  payloads: Buffer[];
  /** Bytes of records that were cut (torn or failing their checksum), 0 when none. */
  droppedBytes: number;
  droppedRecords: number;
  /** Why records were cut, for the warning; undefined when none were. */
  damage?: string;
}

/**
 * Reads a whole segment. A record failing its checksum is skipped (its length still frames the
 * next one); a record running past the end of the file, or a length that cannot be, ends the
 * segment there: the rest counts as one dropped record. Never throws for damaged records, only
 * for a header of another format (WalFormatError).
 */
export function readSegment(bytes: Buffer, file: string): SegmentContents {
  if (bytes.length < HEADER_BYTES) {
    // Created, then the process died before its header was written: nothing was acknowledged.
    return {
      createdAt: 0,
      payloads: [],
      droppedBytes: bytes.length,
      droppedRecords: 0,
      ...tornHeader(bytes),
    };
  }
  checkHeader(bytes, file);
  const contents: SegmentContents = {
    createdAt: bytes.readDoubleLE(8),
    payloads: [],
    droppedBytes: 0,
    droppedRecords: 0,
  };
  const damage: string[] = [];
  let at = HEADER_BYTES;
  while (at < bytes.length) {
    const left = bytes.length - at;
    const length = left >= RECORD_HEADER_BYTES ? bytes.readUInt32LE(at) : -1;
    // No record is empty: zeros are where the records end (space preallocated with fsync).
    if (length === 0 && bytes.subarray(at).every((byte) => byte === 0)) break;
    if (length < 0 || length > MAX_RECORD_BYTES || length > left - RECORD_HEADER_BYTES) {
      contents.droppedBytes += left;
      contents.droppedRecords++;
      damage.push(`a torn record of ${left} bytes at the end (offset ${at})`);
      break;
    }
    const payload = bytes.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + length);
    if (crc32(payload) === bytes.readUInt32LE(at + 4)) {
      contents.payloads.push(payload);
    } else {
      contents.droppedBytes += RECORD_HEADER_BYTES + length;
      contents.droppedRecords++;
      damage.push(`a record failing its checksum at offset ${at}`);
    }
    at += RECORD_HEADER_BYTES + length;
  }
  if (damage.length > 0) contents.damage = damage.join('; ');
  return contents;
}

/**
 * Throws WalFormatError unless `bytes` (at least the header; shorter is a torn header, which
 * reads as empty) start a segment this version reads.
 */
export function checkHeader(bytes: Buffer, file: string): void {
  if (bytes.length < HEADER_BYTES) return;
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new WalFormatError(`${file} is not a log-ingest write-ahead-log segment (no LIWAL header)`);
  }
  const format = bytes.readUInt8(5);
  if (format !== WAL_FORMAT) {
    throw new WalFormatError(
      `${file} was written in write-ahead-log format ${format}; this version reads format ${WAL_FORMAT}. ` +
        `Start the version that wrote it to store its logs, or move the segment away to start without them.`,
    );
  }
}

function tornHeader(bytes: Buffer): { damage?: string } {
  return bytes.length === 0 ? {} : { damage: `a torn header of ${bytes.length} bytes` };
}
