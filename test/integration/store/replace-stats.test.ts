// A replace (store.replaceLogs: what `npm run replay` and the Kafka writer after a crash do)
// deletes rows by id and inserts them again. GET /templates' counts (template_stats) and the
// all-time count of logs without a template (untemplated_stats) come from views that see the
// insert only: each replaced log must still be counted once, on the real embedded engine.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StoredLog } from '../../../src/model/log.ts';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { subtractFromStats } from '../../../src/store/stats-reconcile.ts';
import { count, log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-replace-stats');
const db = storage.config.database;
let store: Store;

before(async () => {
  store = await startStore(storage.config, { logger: silent });
});
after(async () => {
  await store.stop();
  storage.cleanup();
});

/** GET /templates' count per template id, as template_stats gives it. */
async function perTemplate(org: string): Promise<Record<string, number>> {
  const rows = await (
    await store.client.query({
      query: `SELECT template_id AS id, sum(count) AS n FROM ${db}.template_stats WHERE org = {org:String}
GROUP BY template_id HAVING n != 0 ORDER BY template_id`,
      format: 'JSONEachRow',
      query_params: { org },
    })
  ).json<{ id: string; n: string }>();
  return Object.fromEntries(rows.map((r) => [r.id, Number(r.n)]));
}

function untemplated(org: string, n: number, firstId: number): StoredLog[] {
  return Array.from({ length: n }, (_, i) =>
    log({
      org,
      message: `disk ${i} full`,
      untemplatedReason: 'generator_failed',
      id: String(firstId + i),
      timestamp: Date.UTC(2030, 0, 1, 12, 0, i),
    }),
  );
}

test('logs moved to a template by a replace are counted once, under their new template', async () => {
  const rows = untemplated('moved', 10, 1_000);
  await store.insertBatch(rows, 'replace-stats-moved-1');
  assert.deepEqual(await perTemplate('moved'), { '0': 10 });

  const matched = rows.map((r, i) => (i < 6 ? { ...r, templateId: 5, untemplatedReason: '' as const } : r));
  await store.replaceLogs(matched, 'replace-stats-moved-2');
  assert.deepEqual(await perTemplate('moved'), { '0': 4, '5': 6 });
  const total = await store.untemplatedAllTime('moved');
  assert.equal(total?.count, 4);
  assert.deepEqual(
    total?.reasons.map((r) => [r.reason, r.count]),
    [['generator_failed', 4]],
  );
  // The first time stays the earliest log's: the subtraction never wins min/max.
  assert.equal(total?.first_seen, new Date(Date.UTC(2030, 0, 1, 12, 0, 0)).toISOString());
  assert.equal(await count(store, "org = 'moved'"), 10);
});

test('the same replace run twice, with fresh tokens as replays and the Kafka writer make, still counts each log once', async () => {
  const rows = untemplated('twice', 8, 2_000);
  await store.insertBatch(rows, 'replace-stats-twice-1');
  const same = rows.map((r) => ({ ...r, templateId: 7, untemplatedReason: '' as const }));
  await store.replaceLogs(same, 'replace-stats-twice-a');
  await store.replaceLogs(same, 'replace-stats-twice-b');
  assert.deepEqual(await perTemplate('twice'), { '7': 8 });
  assert.equal(await store.untemplatedAllTime('twice'), undefined, 'no log without a template is left');
  assert.equal(await count(store, "org = 'twice'"), 8);
});

test('a replace that changes no template (a crashed writer piece stored again) leaves the counts as they were', async () => {
  const rows = untemplated('again', 5, 3_000).map((r) => ({
    ...r,
    templateId: 9,
    untemplatedReason: '' as const,
  }));
  await store.insertBatch(rows, 'replace-stats-again-1');
  await store.replaceLogs(rows, 'replace-stats-again-2');
  assert.deepEqual(await perTemplate('again'), { '9': 5 });
});

test('a subtraction retried before its delete (a crash between the two) is not made twice', async () => {
  const rows = untemplated('crash', 6, 4_000);
  await store.insertBatch(rows, 'replace-stats-crash-1');
  const ids = rows.map((r) => r.id ?? '');
  // The first attempt subtracted and stopped there; the retry runs the whole replace.
  await subtractFromStats(store.client, db, ['crash'], ids);
  await store.replaceLogs(
    rows.map((r) => ({ ...r, templateId: 3, untemplatedReason: '' as const })),
    'replace-stats-crash-2',
  );
  assert.deepEqual(await perTemplate('crash'), { '3': 6 });
  assert.equal(await store.untemplatedAllTime('crash'), undefined);
});

test("a replace touches only its own org's counts", async () => {
  await store.insertBatch(untemplated('bystander', 4, 5_000), 'replace-stats-bystander-1');
  // The same ids in another org: a replace of org `other` must not subtract the bystander's.
  const other = untemplated('other', 4, 5_000);
  await store.insertBatch(other, 'replace-stats-other-1');
  await store.replaceLogs(
    other.map((r) => ({ ...r, templateId: 2, untemplatedReason: '' as const })),
    'replace-stats-other-2',
  );
  assert.deepEqual(await perTemplate('bystander'), { '0': 4 });
  assert.deepEqual(await perTemplate('other'), { '2': 4 });
});
