import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrgTally, OTHER_ORGS } from '../../../src/quota/org-tally.ts';
import { demandOf, orgRateLimit, TokenBuckets } from '../../../src/quota/token-buckets.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('TokenBuckets', () => {
  it('lets a full burst in, then refuses with the seconds until the request fits', () => {
    const c = clock();
    const buckets = new TokenBuckets(10, 20, c.now);
    assert.equal(buckets.take('a', 20), 0);
    assert.equal(buckets.take('a', 5), 0.5, '5 tokens at 10/s');
    c.advance(500);
    assert.equal(buckets.take('a', 5), 0);
    assert.equal(buckets.take('a', 21), Number.POSITIVE_INFINITY, 'more than the burst never fits');
  });

  it('refills at the rate and never above the burst', () => {
    const c = clock();
    const buckets = new TokenBuckets(10, 20, c.now);
    buckets.take('a', 20);
    c.advance(60_000);
    assert.equal(buckets.take('a', 20), 0);
    assert.ok(buckets.take('a', 1) > 0, 'an hour idle still holds only the burst');
  });

  it('keeps each org to its own bucket', () => {
    const c = clock();
    const buckets = new TokenBuckets(1, 5, c.now);
    assert.equal(buckets.take('a', 5), 0);
    assert.ok(buckets.take('a', 1) > 0);
    assert.equal(buckets.take('b', 5), 0);
  });

  it('takes from several orgs all or nothing', () => {
    const c = clock();
    const buckets = new TokenBuckets(1, 10, c.now);
    buckets.take('b', 8);
    const short = buckets.takeAll(
      new Map([
        ['a', 5],
        ['b', 5],
      ]),
    );
    assert.deepEqual(short, { key: 'b', waitSecs: 3 });
    assert.equal(buckets.take('a', 10), 0, 'nothing was taken from a');
    assert.equal(buckets.takeAll(new Map([['b', 2]])), undefined);
  });

  it('takes a one-org demand like a map of one org', () => {
    const c = clock();
    const buckets = new TokenBuckets(1, 10, c.now);
    assert.equal(buckets.takeAll({ key: 'a', n: 8 }), undefined);
    assert.deepEqual(buckets.takeAll({ key: 'a', n: 5 }), { key: 'a', waitSecs: 3 });
    assert.equal(buckets.take('a', 2), 0, 'the refused demand took nothing');
    assert.equal(demandOf({ key: 'a', n: 5 }, 'a'), 5);
    assert.equal(demandOf({ key: 'a', n: 5 }, 'b'), 0);
    assert.equal(demandOf(new Map([['b', 3]]), 'b'), 3);
  });

  it('gives back a whole demand, one org or several', () => {
    const c = clock();
    const buckets = new TokenBuckets(1, 10, c.now);
    buckets.takeAll({ key: 'a', n: 10 });
    buckets.refundAll({ key: 'a', n: 4 });
    assert.equal(buckets.take('a', 4), 0);
    const several = new Map([
      ['a', 3],
      ['b', 10],
    ]);
    assert.ok(buckets.takeAll(several) !== undefined, 'a is short');
    c.advance(3000);
    assert.equal(buckets.takeAll(several), undefined);
    buckets.refundAll(several);
    assert.equal(buckets.take('a', 3), 0);
    assert.equal(buckets.take('b', 10), 0);
  });

  it('gives back what a refused request took', () => {
    const c = clock();
    const buckets = new TokenBuckets(1, 10, c.now);
    buckets.take('a', 10);
    buckets.refund('a', 4);
    assert.equal(buckets.take('a', 4), 0);
    assert.ok(buckets.take('a', 1) > 0);
  });

  it('forgets the buckets that refilled, so invented org names cannot grow it', () => {
    const c = clock();
    const buckets = new TokenBuckets(1000, 10, c.now);
    for (let i = 0; i < 50_000; i++) {
      buckets.take(`org-${i}`, 1);
      if (i % 100 === 99) c.advance(20);
    }
    assert.ok(buckets.size <= 2048, `held ${buckets.size} buckets`);
  });

  it('is off when the rate is 0', () => {
    assert.equal(orgRateLimit({ logsPerSec: 0, burstLogs: 10 }), undefined);
    assert.ok(orgRateLimit({ logsPerSec: 5, burstLogs: 10 }) instanceof TokenBuckets);
  });
});

describe('OrgTally', () => {
  it('counts per org up to a bound, then under one name, with the total exact', () => {
    const tally = new OrgTally();
    for (let i = 0; i < 1500; i++) tally.add(`org-${i}`, 2);
    tally.add('org-0', 1);
    const byOrg = tally.byOrg();
    assert.equal(Object.keys(byOrg).length, 1001);
    assert.equal(byOrg['org-0'], 3);
    assert.equal(byOrg[OTHER_ORGS], 1000);
    assert.equal(tally.sum, 3001);
  });

  it('keeps __proto__ an org name', () => {
    const tally = new OrgTally();
    tally.add('__proto__', 1);
    assert.deepEqual(Object.entries(tally.byOrg()), [['__proto__', 1]]);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
