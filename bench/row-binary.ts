/**
 * A RowBinary encoder for the logs table, for npm run bench:store only: the binary peer of the
 * text formats the service sends. Rows are written into one reused Buffer (no string per row),
 * in LOG_COLUMNS order; LowCardinality(String) is written as String, as RowBinary takes it.
 */
import type { StoredLog } from '../src/model/log.ts';
import { storedTimestampMs } from '../src/store/format.ts';

const TWO_32 = 2 ** 32;

export class RowBinaryEncoder {
  #buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
  #at = 0;

  /** The rows as one body, a view of the reused buffer valid until the next encode(). */
  encode(rows: readonly StoredLog[]): Buffer {
    this.#at = 0;
    for (const row of rows) {
      this.#int64(storedTimestampMs(row.timestamp));
      this.#string(row.org);
      this.#string(row.dashboard);
      this.#string(row.service);
      this.#string(row.host);
      this.#string(row.level);
      this.#string(row.message);
      this.#int64(Number.isSafeInteger(row.templateId) && row.templateId >= 0 ? row.templateId : 0);
      this.#varint(row.variables.length);
      for (const value of row.variables) this.#string(value);
      const keys = Object.keys(row.metadata);
      this.#varint(keys.length);
      for (const key of keys) {
        this.#string(key);
        this.#string(row.metadata[key]!);
      }
      this.#room(8);
      this.#buffer.writeBigUInt64LE(BigInt(row.id ?? '0'), this.#at);
      this.#at += 8;
      this.#string(row.untemplatedReason);
    }
    return this.#buffer.subarray(0, this.#at);
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#at + bytes, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = grown;
  }

  #int64(value: number): void {
    this.#room(8);
    const high = Math.floor(value / TWO_32);
    this.#buffer.writeUInt32LE(value - high * TWO_32, this.#at);
    this.#buffer.writeInt32LE(high, this.#at + 4);
    this.#at += 8;
  }

  #varint(value: number): void {
    this.#room(10);
    let v = value;
    while (v >= 0x80) {
      this.#buffer[this.#at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.#buffer[this.#at++] = v;
  }

  /** Its UTF-8 length (at most 3 bytes per UTF-16 unit; the exact one for ASCII), then its bytes. */
  #string(value: string): void {
    const most = value.length * 3;
    this.#room(most + 10);
    if (value.length < 128 && most < 128) {
      // One length byte is enough: write the text after it, then the length it took.
      const written = this.#buffer.write(value, this.#at + 1, 'utf8');
      this.#buffer[this.#at] = written;
      this.#at += 1 + written;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.#varint(bytes);
    this.#at += this.#buffer.write(value, this.#at, 'utf8');
  }
}
