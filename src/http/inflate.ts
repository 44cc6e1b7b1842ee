/**
 * A request body as sent, inflated when its Content-Encoding says it is compressed. Fastify's
 * bodyLimit caps the bytes received; the inflated size is capped at the same limit, so a zip
 * bomb stops there (413). Inflating in the body parser rather than in a preParsing hook keeps
 * uncompressed requests free of any per-request stream plumbing.
 */
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { BadRequestError, UnsupportedMediaTypeError } from '../errors.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** A decoder for one more Content-Encoding (Loki's snappy); throws for bytes it cannot read. */
export type ExtraEncoding = (raw: Buffer, limit: number) => Buffer;

/** The 413 of a body whose inflated size is over the limit. */
export function inflatedTooLarge(limit: number): Error {
  return Object.assign(new Error(`the decompressed body is larger than ${limit} bytes`), {
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    statusCode: 413,
  });
}

export async function inflateBody(
  contentEncoding: string | undefined,
  raw: Buffer,
  limit: number,
  extra: Readonly<Record<string, ExtraEncoding>> = {},
): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return raw;
  const other = extra[encoding];
  const names = ['gzip', 'deflate', ...Object.keys(extra)].join(', ');
  try {
    if (encoding === 'gzip' || encoding === 'x-gzip')
      return await gunzipAsync(raw, { maxOutputLength: limit });
    if (encoding === 'deflate') return await inflateAsync(raw, { maxOutputLength: limit });
    if (other !== undefined) return other(raw, limit);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      throw inflatedTooLarge(limit);
    throw new BadRequestError('INVALID_COMPRESSED_BODY', `the ${encoding} body cannot be decompressed`);
  }
  throw new UnsupportedMediaTypeError(`Content-Encoding ${encoding} is not supported; use ${names}`);
}
