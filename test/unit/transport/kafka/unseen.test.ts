import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@platformatic/kafka';
import { unseen } from '../../../../src/transport/kafka/client/messages.ts';

/** Records of one partition at these offsets (only what unseen reads). */
const at = (...offsets: number[]): Message[] =>
  offsets.map(
    (o) => ({ topic: 't', partition: 0, offset: BigInt(o), value: Buffer.from(`v${o}`) }) as Message,
  );
const offsetsOf = (msgs: Message[]) => msgs.map((m) => Number(m.offset));

describe('unseen: a partition chunk as the handler gets it', () => {
  it('a run handed over twice (a rebalance re-read behind a buffered fetch) is kept once, in order', () => {
    assert.deepEqual(
      offsetsOf(unseen(at(219, 220, 221, 222, 219, 220, 221, 222, 223, 224), 219n)),
      [219, 220, 221, 222, 223, 224],
    );
  });

  it('drops what was committed already (below from) and keeps the rest', () => {
    assert.deepEqual(offsetsOf(unseen(at(10, 11, 12, 13), 12n)), [12, 13]);
    assert.deepEqual(offsetsOf(unseen(at(10, 11), 12n)), []);
  });

  it('keeps offsets with gaps (commit markers of a transactional topic take offsets)', () => {
    assert.deepEqual(offsetsOf(unseen(at(5, 6, 8, 9, 11), -1n)), [5, 6, 8, 9, 11]);
  });

  it('an older re-read inside a later run is dropped, the records are the first delivered', () => {
    const msgs = at(1, 2, 3, 2, 3, 4);
    const kept = unseen(msgs, 0n);
    assert.deepEqual(offsetsOf(kept), [1, 2, 3, 4]);
    assert.equal(kept[1], msgs[1]);
  });
});
