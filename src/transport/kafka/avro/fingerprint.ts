/**
 * The Avro CRC-64-AVRO (Rabin) fingerprint of a schema's Parsing Canonical Form, as the
 * Avro specification defines it: what the single-object encoding puts in front of every
 * message, so that any Avro library (Java's BinaryMessageEncoder, Python's fastavro) can
 * write messages we read. Computed once per schema at start, so BigInt's cost is no matter.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & (-(fp & 1n) & MASK));
  return fp;
});

export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  return fp;
}

/** The fingerprint as the 8 little-endian bytes the single-object encoding carries. */
export function fingerprintBytes(canonicalForm: string): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc64Avro(Buffer.from(canonicalForm, 'utf8')));
  return out;
}
