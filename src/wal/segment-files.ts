/**
 * The write-ahead log's segment files: finding them, creating one, preallocating space in it,
 * and reading one back. The log's accounting (what is stored, what may be deleted, group
 * commit) is in wal.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LogRecord, WalTag } from '../model/log.ts';
import { decodeRecord } from './codec.ts';
import { checkHeader, HEADER_BYTES, readSegment, segmentHeader } from './format.ts';

const NAME = /^(\d{20})\.wal$/;

export function segmentFile(dir: string, seq: number): string {
  return path.join(dir, `${String(seq).padStart(20, '0')}.wal`);
}

/**
 * The segments in `dir` (created if missing), oldest first. Throws WalFormatError for one of
 * another format: the service does not start on logs it cannot read.
 */
export function listSegments(dir: string): Array<{ seq: number; file: string; bytes: number }> {
  fs.mkdirSync(dir, { recursive: true });
  const found = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const seq = NAME.exec(name)?.[1];
    if (seq === undefined) continue;
    const file = path.join(dir, name);
    checkHeader(readHead(file), file);
    found.push({ seq: Number(seq), file, bytes: fs.statSync(file).size });
  }
  return found;
}

/**
 * A new segment with its header, and with `zeros` bytes preallocated after it. With `fsync`,
 * the file and its name are on disk before it is used. Nothing is left behind on failure.
 */
export function createSegment(
  dir: string,
  seq: number,
  createdAt: number,
  { fsync, zeros }: { fsync: boolean; zeros: number },
): { fd: number; file: string; headerBytes: number } {
  const file = segmentFile(dir, seq);
  const fd = fs.openSync(file, 'wx');
  const header = segmentHeader(createdAt);
  try {
    fs.writeSync(fd, header, 0, header.length, 0);
    if (zeros > 0) writeZeros(fd, header.length, zeros);
    if (fsync) {
      fs.fdatasyncSync(fd);
      syncDirectory(dir);
    }
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  return { fd, file, headerBytes: header.length };
}

/** What a leftover segment holds: its intact logs (tagged with it), and what was cut. */
export interface SegmentRead {
  createdAt: number;
  logs: (LogRecord & WalTag)[];
  droppedRecords: number;
  droppedBytes: number;
  /** Why records were cut; undefined when none were. */
  why?: string;
}

export function readLeftover(file: string, seq: number): SegmentRead {
  const contents = readSegment(fs.readFileSync(file), file);
  const logs: (LogRecord & WalTag)[] = [];
  let undecodable = 0;
  for (const payload of contents.payloads) {
    let decoded: LogRecord[];
    try {
      decoded = decodeRecord(payload);
    } catch {
      undecodable++;
      continue;
    }
    for (const log of decoded) logs.push(Object.assign(log, { walSegment: seq }));
  }
  const why = [contents.damage, undecodable > 0 ? `${undecodable} records that did not decode` : undefined]
    .filter(Boolean)
    .join('; ');
  return {
    createdAt: contents.createdAt,
    logs,
    droppedRecords: contents.droppedRecords + undecodable,
    droppedBytes: contents.droppedBytes,
    ...(why === '' ? {} : { why }),
  };
}

const ZEROS = Buffer.alloc(256 * 1024);

export function writeZeros(fd: number, position: number, length: number): void {
  for (let done = 0; done < length;) {
    done += fs.writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, length - done), position + done);
  }
}

function readHead(file: string): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  const fd = fs.openSync(file, 'r');
  try {
    return head.subarray(0, fs.readSync(fd, head, 0, HEADER_BYTES, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** A new file's name is durable only once its directory is synced. */
function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
