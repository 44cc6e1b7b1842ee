import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { BadRequestError } from '../../../src/errors.ts';
import { parseBulk, TooManyItems } from '../../../src/protocols/elasticsearch/bulk.ts';
import { documentToLog } from '../../../src/protocols/elasticsearch/document.ts';
import { decodeLokiJson } from '../../../src/protocols/loki/decode-json.ts';
import { decodeLokiProto, TooManyEntries } from '../../../src/protocols/loki/decode-proto.ts';
import { MalformedPush } from '../../../src/protocols/loki/fields.ts';
import { LabelSetError } from '../../../src/protocols/loki/label-set.ts';
import { unsnappy } from '../../../src/protocols/loki/snappy.ts';
import { MalformedProtobuf } from '../../../src/protocols/protobuf.ts';
import { FrameDecoder } from '../../../src/protocols/syslog/framing.ts';
import { parseSyslog } from '../../../src/protocols/syslog/parse.ts';

/**
 * Each new decoder on generated bodies (issue 16: at least 1,000 each): it gives logs or
 * refuses with its protocol's client error, and never throws anything else or runs away.
 */
function refusedWith(
  decode: () => unknown,
  ...expected: Array<abstract new (...args: never[]) => Error>
): void {
  try {
    decode();
  } catch (err) {
    // A body that declares more than the limit is a 413 (http/inflate.ts), refused unread.
    const tooLarge = (err as { statusCode?: number }).statusCode === 413;
    assert.ok(
      tooLarge || expected.some((type) => err instanceof type),
      `an unexpected ${(err as Error).constructor.name}: ${(err as Error).message}`,
    );
  }
}

const text = fc.string({ unit: 'binary', maxLength: 60 });
const bytes = fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a));

const lokiJson = fc.oneof(
  fc.record({
    streams: fc.array(
      fc.record({
        stream: fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(text, fc.jsonValue()), { maxKeys: 4 }),
        values: fc.array(
          fc.oneof(
            fc.tuple(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String), text),
            fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.jsonValue()),
          ),
          { maxLength: 6 },
        ),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.jsonValue(),
);

describe('the shippers’ decoders on generated bodies', () => {
  it('Loki JSON: logs or MalformedPush / LabelSetError / TooManyEntries (1,000 bodies)', () => {
    fc.assert(
      fc.property(lokiJson, (body) =>
        refusedWith(() => decodeLokiJson(body, 'acme', 20), MalformedPush, LabelSetError, TooManyEntries),
      ),
      { numRuns: 1000, seed: 1612 },
    );
  });

  it('Loki protobuf behind snappy: logs or a client error (1,000 bodies, random and compressed)', () => {
    const body = fc.oneof(
      bytes,
      bytes.map((b) => compressSync(b)),
    );
    fc.assert(
      fc.property(body, (raw) =>
        refusedWith(
          () => decodeLokiProto(unsnappy(raw, 1 << 20), 'acme', 20),
          BadRequestError,
          MalformedProtobuf,
          MalformedPush,
          LabelSetError,
          TooManyEntries,
        ),
      ),
      { numRuns: 1000, seed: 1613 },
    );
  });

  it('Elasticsearch bulk: items or MALFORMED_BULK / TooManyItems, and every document a log (1,000 bodies)', () => {
    const line = fc.oneof(
      fc.constantFrom(
        '{"create":{}}',
        '{"index":{"_index":"x"}}',
        '{"delete":{"_id":"1"}}',
        '{"update":{}}',
        '',
      ),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      text,
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        try {
          for (const item of parseBulk(lines.join('\n'), undefined, 5)) {
            const doc = (item as { document?: unknown }).document;
            if (typeof doc === 'object' && doc !== null && !Array.isArray(doc))
              documentToLog('acme', doc as Record<string, unknown>);
          }
        } catch (err) {
          assert.ok(err instanceof BadRequestError || err instanceof TooManyItems, String(err));
        }
      }),
      { numRuns: 1000, seed: 1614 },
    );
  });

  it('syslog: any frame parses to a log; any byte stream frames without a fault but a declared length over the limit', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const { log } = parseSyslog(raw, 'acme', '10.0.0.1', Date.UTC(2026, 11, 7));
        assert.equal(typeof log.message, 'string');
      }),
      { numRuns: 1000, seed: 1615 },
    );
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 6 }), (chunks) => {
        const decoder = new FrameDecoder(64);
        let framed = 0;
        for (const chunk of chunks) {
          const fault = decoder.push(chunk, {
            frame: (f) => void (framed += f.length),
            oversized: () => undefined,
          });
          if (fault !== undefined) {
            assert.equal(fault, 'declared_length_over_limit');
            return;
          }
        }
        assert.ok(framed <= chunks.reduce((n, c) => n + c.length, 0));
      }),
      { numRuns: 1000, seed: 1616 },
    );
  });
});
