import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PayloadTooLargeError } from '../../../src/errors.ts';
import { startIngest } from '../../../src/ingest/stage.ts';
import { DEFAULT_LIMITS, type ValidationLimits } from '../../../src/config.ts';
import { validateLog } from '../../../src/ingest/validate.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const LIMITS: ValidationLimits = { maxMessageBytes: 12, maxMetadataKeys: 2, maxMetadataBytes: 10 };

function check(input: Record<string, unknown>, limits: ValidationLimits = LIMITS) {
  const result = validateLog({ org: 'acme', ...input }, 4, NOW, limits);
  return result.ok ? undefined : result.problem;
}

describe('validateLog limits', () => {
  it('accepts a message at the byte limit and refuses one byte over', () => {
    assert.equal(check({ message: 'x'.repeat(12) }), undefined);
    assert.deepEqual(
      { ...check({ message: 'x'.repeat(13) }), message: undefined },
      { index: 4, field: 'message', code: 'TOO_LONG', message: undefined },
    );
  });

  it('counts a message in UTF-8 bytes, not characters', () => {
    // 'é' is 2 bytes, '€' 3, '😀' 4 (two UTF-16 units).
    assert.equal(check({ message: 'é'.repeat(6) }), undefined);
    assert.equal(check({ message: 'é'.repeat(6) + 'x' })?.code, 'TOO_LONG');
    assert.equal(check({ message: '€'.repeat(4) }), undefined);
    assert.equal(check({ message: '€'.repeat(4) + 'x' })?.code, 'TOO_LONG');
    assert.equal(check({ message: '😀'.repeat(3) }), undefined);
    assert.equal(check({ message: '😀'.repeat(3) + 'x' })?.code, 'TOO_LONG');
  });

  it('accepts the default message limit exactly and refuses one byte over', () => {
    const max = DEFAULT_LIMITS.maxMessageBytes;
    assert.equal(check({ message: 'x'.repeat(max) }, DEFAULT_LIMITS), undefined);
    assert.equal(check({ message: 'x'.repeat(max + 1) }, DEFAULT_LIMITS)?.code, 'TOO_LONG');
    assert.equal(check({ message: 'é'.repeat(max / 2 + 1) }, DEFAULT_LIMITS)?.code, 'TOO_LONG');
  });

  it('counts metadata keys after nulls are dropped', () => {
    assert.equal(check({ message: 'm', metadata: { a: '1', b: '2', c: null } }), undefined);
    const p = check({ message: 'm', metadata: { a: '1', b: '2', c: '3' } });
    assert.equal(p?.code, 'TOO_MANY_KEYS');
    assert.equal(p?.field, 'metadata');
    assert.equal(p?.index, 4);
  });

  it('counts metadata size as the UTF-8 bytes of keys and values as stored', () => {
    assert.equal(check({ message: 'm', metadata: { ab: '12345678' } }), undefined);
    const p = check({ message: 'm', metadata: { ab: '123456789' } });
    assert.equal(p?.code, 'TOO_LARGE');
    assert.equal(p?.field, 'metadata');
    assert.equal(check({ message: 'm', metadata: { k: 'éééé', j: '' } }), undefined);
    assert.equal(check({ message: 'm', metadata: { k: 'éééé', j: 'x' } })?.code, 'TOO_LARGE');
    // A nested object is stored as its JSON text: {"a":1} is 7 bytes, plus the key.
    assert.equal(check({ message: 'm', metadata: { kkk: { a: 1 } } }), undefined);
    assert.equal(check({ message: 'm', metadata: { kkkk: { a: 1 } } })?.code, 'TOO_LARGE');
  });
});

describe('logs per request', () => {
  function stage(stored: unknown[]) {
    return startIngest({
      route: (logs) => {
        stored.push(...logs);
        return 0;
      },
      whyNoRoom: () => undefined,
      retryAfterSecs: 1,
      maxLogsPerRequest: 3,
    });
  }
  const log = { org: 'acme', message: 'm' };

  it('accepts a batch at the limit', () => {
    const stored: unknown[] = [];
    const result = stage(stored).ingest({ single: false, items: [log, log, log], indexes: null });
    assert.deepEqual(result, { accepted: 3, matched: 0, failed: 0 });
    assert.equal(stored.length, 3);
  });

  it('refuses the whole request one over the limit, storing nothing', () => {
    const stored: unknown[] = [];
    // Even invalid items count: the check comes before validation.
    assert.throws(
      () => stage(stored).ingest({ single: false, items: [log, log, log, 'junk'], indexes: null }),
      (err: unknown) =>
        err instanceof PayloadTooLargeError && err.code === 'TOO_MANY_LOGS' && err.limit === 3,
    );
    assert.equal(stored.length, 0);
  });
});
