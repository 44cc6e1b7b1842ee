import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIsoTimestamp } from '../../../../src/ingest/timestamp.ts';
import { parseRfc3339 } from '../../../../src/protocols/syslog/time.ts';

describe('RFC 3339 times', () => {
  it('agrees with the general ISO 8601 parser on what senders write', () => {
    for (const text of [
      '2026-12-07T13:58:28.513772+00:00',
      '2026-12-07T13:58:28.513772+00:00',
      '2026-12-07T13:58:28.5-07:30',
      '2026-12-07T13:58:28.51Z',
      '2003-10-11T22:14:15.003Z',
      '2003-10-11T22:14:15Z',
      '2003-10-11T22:14:15',
      '2024-02-29T23:59:59.999999999+14:00',
    ]) {
      assert.equal(parseRfc3339(text), parseIsoTimestamp(text), text);
    }
  });

  it('refuses what is not one', () => {
    for (const text of [
      '2026-12-07 13:58:28Z',
      '2026-13-07T13:58:28Z',
      '2025-02-29T13:58:28Z',
      '2026-12-07T13:58:60Z',
      '2026-12-07T13:58:28.Z',
      '2026-12-07T13:58:28.1234567890Z',
      '2026-12-07T13:58:28+0100',
      '2026-12-07T13:58:28+24:00',
      '2026-12-07T13:58:28+a1:00',
      '2026-12-07T13:58:28ZZ',
      '2026-12-07T13',
    ]) {
      assert.equal(parseRfc3339(text), undefined, text);
    }
  });
});
