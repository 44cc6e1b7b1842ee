import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startStore, type Store } from '../../../src/store/stage.ts';
import { log, silent, tempStorage } from './helpers.ts';

const storage = tempStorage('store-untemplated');
after(() => storage.cleanup());
const db = storage.config.database;

async function templateStatsCount(store: Store, org: string, templateId: number): Promise<number> {
  const result = await store.client.query({
    query: `SELECT sum(count) AS n FROM ${db}.template_stats WHERE org = {org:String} AND template_id = {id:UInt64}`,
    format: 'JSONEachRow',
    query_params: { org, id: templateId },
  });
  return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
}

test('logs stored without a template before migration 006 count as unknown, later ones by their reason, adding up', async () => {
  // A store as the version before left it: no untemplated_stats, migration 006 not recorded.
  const before = await startStore(storage.config, { logger: silent });
  for (const statement of [
    `DROP VIEW ${db}.untemplated_stats_mv`,
    `DROP TABLE ${db}.untemplated_stats`,
    `ALTER TABLE ${db}.schema_migrations DELETE WHERE version = 6 SETTINGS mutations_sync = 1`,
  ]) {
    await before.client.command({ query: statement });
  }
  // What it stored: three lines without a template (no reason kept then) and one with.
  before.writer.enqueue([
    log({ org: 'upgraded', message: 'old 1', timestamp: Date.UTC(2030, 0, 1) }),
    log({ org: 'upgraded', message: 'old 2', timestamp: Date.UTC(2030, 0, 2) }),
    log({ org: 'upgraded', message: 'old 3', timestamp: Date.UTC(2030, 0, 3) }),
    log({ org: 'upgraded', message: 'kept 1', templateId: 5, variables: ['1'] }),
  ]);
  await before.stop();

  // This version's start applies 006, then stores lines with their reasons.
  // A short flush interval: the reads wait for these logs to be written.
  const store = await startStore({ ...storage.config, flushIntervalSecs: 0.02 }, { logger: silent });
  try {
    store.writer.enqueue([
      log({
        org: 'upgraded',
        message: 'capped 1',
        untemplatedReason: 'template_cap',
        timestamp: Date.UTC(2030, 0, 4),
      }),
      log({
        org: 'upgraded',
        message: 'capped 2',
        untemplatedReason: 'template_cap',
        timestamp: Date.UTC(2030, 0, 5),
      }),
      log({ org: 'upgraded', message: 'x '.repeat(1001), untemplatedReason: 'over_token_limit' }),
      log({ org: 'other', message: 'not theirs', untemplatedReason: 'shutdown' }),
    ]);
    assert.equal(await store.writer.flushed(), true);

    const total = await store.untemplatedAllTime('upgraded');
    assert.ok(total !== undefined);
    assert.deepEqual(
      total.reasons.map((r) => [r.reason, r.count]),
      [
        ['unknown', 3],
        ['template_cap', 2],
        ['over_token_limit', 1],
      ],
    );
    assert.equal(total.count, 6);
    assert.equal(total.count, await templateStatsCount(store, 'upgraded', 0), "template_stats' id 0");
    assert.equal(total.first_seen, '2030-01-01T00:00:00.000Z');
    assert.equal(await store.untemplatedAllTime('nobody'), undefined);

    // Within a window, from the logs themselves.
    const window = await store.untemplatedReasonsIn({
      org: 'upgraded',
      from: Date.UTC(2030, 0, 2),
      to: Date.UTC(2030, 0, 4),
    });
    assert.deepEqual(
      window.map((r) => [r.reason, r.count]),
      [
        ['unknown', 2],
        ['template_cap', 1],
      ],
    );
  } finally {
    await store.stop();
  }
});
